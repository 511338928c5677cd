package org.ubdjava.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.ubdjava.realtools.Processes;

/** {@link Processes#run} for tests: a program that cannot start or runs past its deadline fails the test. */
public final class Exec {
    public record Result(int exit, String out, String err) {
        public String both() {
            return out + err;
        }
    }

    private Exec() {
    }

    public static Result run(Path cwd, List<String> command) {
        return run(cwd, command, 120);
    }

    public static Result run(Path cwd, List<String> command, int timeoutSeconds) {
        Processes.Result r;
        try {
            r = Processes.run(cwd, command, timeoutSeconds);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        }
        if (r.timedOut()) {
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
        }
        return new Result(r.exit(), r.out(), r.err());
    }
}
