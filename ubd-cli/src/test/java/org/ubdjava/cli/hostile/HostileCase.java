package org.ubdjava.cli.hostile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * One command line given one piece of bad input, and what must come of it. Arguments and subjects
 * are templates: {@code {H}} is the hostile file (its path in the arguments, its name in the
 * subjects), {@code {back} {cow} {trace} {data} {dir} {new} {out} {idcow} {back2}} the scratch's own files
 * ({@link Scratch#expand}). {@code mayChange}: names in the scratch the command writes when it
 * succeeds (a trailing * matches any rest); {@code mayChangeOnFailure}: those it may leave changed
 * when it fails; {@code locks}: scratch files another process holds locked meanwhile.
 */
record HostileCase(String name, List<String> args, HostileFile hostile, Rules.Expect expect, List<String> subjects,
        Set<String> mayChange, Set<String> mayChangeOnFailure, List<String> locks) {

    HostileCase {
        args = List.copyOf(args);
        subjects = List.copyOf(subjects);
        mayChange = Set.copyOf(mayChange);
        mayChangeOnFailure = Set.copyOf(mayChangeOnFailure);
        locks = List.copyOf(locks);
    }

    static HostileCase of(String name, Rules.Expect expect, List<String> subjects, String... args) {
        return new HostileCase(name, List.of(args), null, expect, subjects, Set.of(), Set.of(), List.of());
    }

    HostileCase with(HostileFile h) {
        return new HostileCase(name, args, h, expect, subjects, mayChange, mayChangeOnFailure, locks);
    }

    HostileCase writes(String... names) {
        Set<String> s = new LinkedHashSet<>(mayChange);
        s.addAll(List.of(names));
        return new HostileCase(name, args, hostile, expect, subjects, s, mayChangeOnFailure, locks);
    }

    HostileCase writesEvenOnFailure(String... names) {
        Set<String> s = new LinkedHashSet<>(mayChangeOnFailure);
        s.addAll(List.of(names));
        return writes(names).withFailureChanges(s);
    }

    private HostileCase withFailureChanges(Set<String> s) {
        return new HostileCase(name, args, hostile, expect, subjects, mayChange, s, locks);
    }

    HostileCase locking(String file) {
        List<String> l = new ArrayList<>(locks);
        l.add(file);
        return new HostileCase(name, args, hostile, expect, subjects, mayChange, mayChangeOnFailure, l);
    }

    HostileCase expecting(Rules.Expect e) {
        return new HostileCase(name, args, hostile, e, subjects, mayChange, mayChangeOnFailure, locks);
    }

    String command() {
        return args.isEmpty() ? "" : args.get(0);
    }

    @Override
    public String toString() {
        return name;
    }

    /** Runs the case in a fresh scratch directory under {@code parent} and fails with every rule it breaks. */
    void run(Path parent) throws IOException {
        try (Scratch s = new Scratch(parent)) {
            boolean root = Scratch.root(s.back);
            if (hostile == HostileFile.NO_READ) {
                Assumptions.assumeFalse(root, "skipped: running as root, whom no file permission stops");
            }
            if (hostile == HostileFile.CHAR_DEVICE) {
                Assumptions.assumeTrue(root, "skipped: making a device node (mknod) needs root");
            }
            List<String> argv = new ArrayList<>();
            for (String a : args) {
                argv.add(s.expand(a, hostile));
            }
            List<String> subj = new ArrayList<>();
            for (String a : subjects) {
                if (hostile != null && a.contains("{H}")) {
                    for (String t : hostile.tokens()) {
                        subj.add(s.expand(a.replace("{H}", t), hostile));
                    }
                } else {
                    subj.add(s.expand(a, hostile));
                }
            }
            for (String l : locks) {
                s.lock(s.dir.resolve(l));
            }
            Snapshot before = Snapshot.of(s.dir);
            InProcessCli.Outcome o = InProcessCli.run(argv, s);
            Snapshot after = Snapshot.of(s.dir);
            List<String> v = Rules.violations(expect, o, subj, before, after, mayChange, mayChangeOnFailure);
            if (!v.isEmpty()) {
                Assertions.fail(name + "\n" + String.join("\n", v) + "\n--- ubd " + String.join(" ", argv) + "\n" + o.describe());
            }
        }
    }
}
