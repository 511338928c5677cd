package org.ubdjava.cli.hostile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.ubdjava.core.Printable;

/**
 * The rules of issue 27 ("nothing lost, nothing hangs, nothing misleads") as every hostile case and
 * every fuzz input is held to them. A violation is one line starting with its rule's name in
 * brackets, so a report groups them:
 *
 * <ul>
 * <li>[hang] the command ran past {@link InProcessCli#LIMIT}.
 * <li>[exit] the exit code is the one expected: 2 for a wrong command line (a bad option value, a
 *     malformed SPEC, a wrong number of arguments), 1 for an operation that failed (a file missing,
 *     of the wrong type, corrupt, locked, in use); never 0 for bad input, never any other code.
 *     Cases whose right outcome is not bad input alone (the kernel's own rules decide) allow 0 too.
 * <li>[stderr] when the exit code is not 0: stderr is not empty, and
 *     <ul>
 *     <li>exit 2: its first line is the problem and names the option, argument or SPEC (one of the
 *         case's subjects); any line after it is picocli's usage, which starts with "Usage: ".
 *     <li>exit 1: its last line is the problem and names one of the case's subjects (the file, the
 *         option); each line before it is either one of the kernel's own log lines of a device open
 *         (they start with the kernel's wording, {@link #KERNEL_LOG}) or another problem line naming
 *         a subject (check prints one line per problem).
 *     </ul>
 *     Always, whatever the exit code, nothing on stderr (nor, but for "null", on stdout) leaks the
 *     implementation: no "internal error", no Java stack trace ("\tat ", "Exception in thread",
 *     "Caused by:"), no Java class name ("java.", "sun.", "jdk." packages, a bare
 *     "SomethingException"/"SomethingError"), and on stderr no bare "null" (a path such as
 *     /dev/null aside).
 * <li>[untrusted] no raw control character (but newline and tab) on stderr, nor on stdout unless
 *     the command's stdout is data (cat), and no line starting with the line forged in
 *     {@link HostileFile#UNTRUSTED_BACKING}: strings read from files reach the terminal escaped.
 * <li>[changed] the scratch directory after is the one before (see {@link Snapshot}: names, types,
 *     sizes, mtimes, SHA-256), but for the files the command's purpose is to write, and only when it
 *     succeeded; a failed command leaves no half-made and no temporary file. The backing file is
 *     never written, special files stay what they are, /dev/null and /dev/zero stay char devices.
 * </ul>
 */
final class Rules {
    enum Expect {
        /** An operation that failed: exit 1. */
        FAILED(1),
        /** A wrong command line: exit 2. */
        USAGE(2),
        /** Either 1 or 2: a value that is only wrong for the file it is used on, or a command whose contract leaves it open. */
        FAILED_OR_USAGE(1, 2),
        /** The kernel's own rules may accept it: 0, 1 or 2, every other rule still holds. */
        ANY(0, 1, 2);

        final int[] codes;

        Expect(int... codes) {
            this.codes = codes;
        }

        boolean allows(int exit) {
            return Arrays.stream(codes).anyMatch(c -> c == exit);
        }

        @Override
        public String toString() {
            return codes.length == 1 ? "exit " + codes[0] : "exit in " + Arrays.toString(codes);
        }
    }

    /** How the kernel's messages of a device open begin (arch/um/drivers/ubd_kern.c's wording, as the driver logs them). */
    static final List<String> KERNEL_LOG = List.of("Creating \"", "Failed to read COW header", "COW file \"", "Open of COW file",
            "Switching backing file", "Couldn't stat", "Backing file mismatch", "Switch failed", "Not locking",
            "F_SETLK failed", "Failed to lock", "Failed to get modification time", "Failed to initialize ubd device", "mtime mismatch (",
            "Size mismatch (");

    /** The kernel's line for a device it could not open: {@code ubda: Can't open "FILE": errno = N}. */
    private static final Pattern KERNEL_OPEN_FAILED = Pattern.compile("ubd[a-z]+: Can't open \"");
    private static final Pattern JAVA_CLASS = Pattern.compile("\\b(java|javax|sun|jdk|picocli)\\.[a-z]+\\.|\\b[A-Z][A-Za-z]*(Exception|Error)\\b");
    private static final Pattern BARE_NULL = Pattern.compile("(?<![\\w/.-])null(?![\\w/.-])");

    private Rules() {
    }

    /**
     * Every rule's violations for one run. {@code subjects}: what a problem line must name, one of
     * them; {@code mayChange}: names in the scratch the command may write when it exits 0;
     * {@code mayChangeOnFailure}: those it may leave changed even when it fails (write reports what
     * it wrote before its input ran out).
     */
    static List<String> violations(Expect expect, InProcessCli.Outcome o, Collection<String> subjects, Snapshot before,
            Snapshot after, Set<String> mayChange, Set<String> mayChangeOnFailure) {
        List<String> v = new ArrayList<>();
        if (o.hung()) {
            v.add("[hang] still running after " + InProcessCli.LIMIT.toSeconds() + " s");
        }
        if (o.escaped() != null) {
            v.add("[stderr] an exception escaped the command line: " + o.escaped());
        }
        if (!o.hung() && !expect.allows(o.exit())) {
            v.add("[exit] " + o.exit() + ", expected " + expect);
        }
        v.addAll(stderr(o, subjects));
        v.addAll(untrusted(o));
        Set<String> allowed = o.exit() == 0 && !o.hung() ? mayChange : mayChangeOnFailure;
        for (String d : before.differences(after, allowed)) {
            v.add("[changed] " + d);
        }
        return v;
    }

    static List<String> stderr(InProcessCli.Outcome o, Collection<String> subjects) {
        List<String> v = new ArrayList<>();
        String[] lines = o.err().isEmpty() ? new String[0] : o.err().split("\n", -1);
        if (lines.length > 0 && lines[lines.length - 1].isEmpty()) {
            lines = Arrays.copyOf(lines, lines.length - 1);
        }
        for (String l : lines) {
            leaks(l, true).forEach(x -> v.add("[stderr] " + x + ": " + l));
        }
        for (String l : o.out().split("\n")) {
            leaks(l, false).forEach(x -> v.add("[stderr] stdout has " + x + ": " + l));
        }
        if (o.hung() || o.exit() == 0) {
            return v;
        }
        if (lines.length == 0) {
            v.add("[stderr] exit " + o.exit() + " with nothing on stderr");
            return v;
        }
        if (o.exit() == 2) {
            if (!names(lines[0], subjects)) {
                v.add("[stderr] the problem line names none of " + subjects + ": " + lines[0]);
            }
            if (lines.length > 1 && !lines[1].startsWith("Usage: ")) {
                v.add("[stderr] more than one line before the usage: " + lines[1]);
            }
        } else {
            String last = lines[lines.length - 1];
            if (!names(last, subjects)) {
                v.add("[stderr] the last line names none of " + subjects + ": " + last);
            }
            for (int i = 0; i < lines.length - 1; i++) {
                String l = lines[i];
                if (!kernelLog(l) && !names(l, subjects)) {
                    v.add("[stderr] a line that is neither the kernel's log nor a problem naming " + subjects + ": " + l);
                }
            }
        }
        return v;
    }

    private static boolean kernelLog(String line) {
        return KERNEL_LOG.stream().anyMatch(line::startsWith) || KERNEL_OPEN_FAILED.matcher(line).lookingAt();
    }

    /** A subject is named as given, or escaped as every message escapes what it quotes. */
    private static boolean names(String line, Collection<String> subjects) {
        return subjects.stream().anyMatch(s -> line.contains(s) || line.contains(Printable.escape(s)));
    }

    private static List<String> leaks(String line, boolean stderr) {
        List<String> v = new ArrayList<>();
        if (line.contains("internal error")) {
            v.add("\"internal error\"");
        }
        if (line.startsWith("\tat ") || line.contains("Exception in thread") || line.startsWith("Caused by:")) {
            v.add("a stack trace");
        }
        if (JAVA_CLASS.matcher(line).find()) {
            v.add("a Java class name");
        }
        if (stderr && BARE_NULL.matcher(line).find()) {
            v.add("a bare \"null\"");
        }
        return v;
    }

    static List<String> untrusted(InProcessCli.Outcome o) {
        List<String> v = new ArrayList<>();
        control(o.err()).ifPresent(c -> v.add("[untrusted] a raw control character " + c + " on stderr"));
        control(o.out()).ifPresent(c -> v.add("[untrusted] a raw control character " + c + " on stdout"));
        for (String l : (o.err() + "\n" + o.out()).split("\n")) {
            if (l.startsWith(HostileFile.FORGED)) {
                v.add("[untrusted] a line forged by a COW header's backing path: " + l);
            }
        }
        return v;
    }

    private static java.util.Optional<String> control(String s) {
        java.util.OptionalInt c = s.chars().filter(x -> x < 0x20 && x != '\n' && x != '\t' || x >= 0x7f && x < 0xa0).findFirst();
        return c.isPresent() ? java.util.Optional.of(String.format("\\x%02x", c.getAsInt())) : java.util.Optional.empty();
    }
}
