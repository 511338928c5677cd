package org.ubdjava.realtools;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The one way the project runs another program (the real tools of the interop tests and of
 * {@code ubd bench}, gcc for the UML shim): stdin from /dev/null, so nothing waits for a terminal;
 * stdout and stderr to files, so a chatty program never blocks on a full pipe; a deadline, after
 * which the program and its children are killed.
 */
public final class Processes {
    /** What a program did; {@code exit} is -1 when it ran past its deadline and was killed. */
    public record Result(int exit, String out, String err, boolean timedOut) {
        /** stdout then stderr, for messages and for tools that print their report on either. */
        public String both() {
            return out + err;
        }
    }

    private Processes() {
    }

    public static Result run(Path cwd, List<String> command, int timeoutSeconds) throws IOException {
        return run(cwd, command, timeoutSeconds, Map.of());
    }

    /** As {@link #run(Path, List, int)} with extra environment variables (e.g. LD_PRELOAD). */
    public static Result run(Path cwd, List<String> command, int timeoutSeconds, Map<String, String> env) throws IOException {
        Path out = Files.createTempFile("ubd-run", ".out");
        Path err = Files.createTempFile("ubd-run", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean done;
            try {
                done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command.get(0), e);
            }
            if (!done) {
                kill(p);
            }
            return new Result(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), !done);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The program and whatever it started (UML leaves helper processes behind). */
    public static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An executable on PATH. */
    public static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
