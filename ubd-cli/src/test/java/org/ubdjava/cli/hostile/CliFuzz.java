package org.ubdjava.cli.hostile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The CLI fuzzer's inputs and its one check, shared by the fuzz-tagged test and the fixed-seed
 * sample of the default suite. An input is one random argument vector for one command, drawn from
 * the command's options: numbers of every shape (NaN, infinities, negatives, huge, 2^63, hex,
 * whitespace, Unicode digits, words), files of every kind ({@link HostileFile}) or the scratch's
 * valid ones, SPECs valid and malformed, flags in any order. serve, uml, bench and demo are always
 * given one value they must refuse, so that they never start. The check is {@link Rules}' with
 * what is not known in advance left open: the exit code may be 0, but must be 2 whenever a value
 * no option takes was given to a numeric option; a problem line must name something the vector
 * holds; only the files a command exists to write may change, and only when it succeeds.
 */
final class CliFuzz {
    static final List<String> COMMANDS = List.of("mkcow", "moo", "info", "check", "map", "rebase", "compare", "parse", "cat", "write",
            "replay", "cache-sim", "serve", "uml", "bench", "demo");
    static final String[] NUMBERS = {"NaN", "nan", "Infinity", "-Infinity", "inf", "-1", "0", "1", "2", "3", "512", "4096",
        "100000000", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "0x200", "0x10", "010", " 1", "1 ",
        "\t2", "1e3", "1.5", "", "twelve", "\u0663", "+1", "1_000", "-0", "1e400", "4K", "1M", "3K", "0.5"};
    static final String[] WORDS = {"off", "falloc", "FIO_IOLOG", "BLKPARSE", "lru", "clock", "bogus", "", "NaN", "drop-writes:2",
        "stale-reads:0", "drop-writes:-1", "lru,,clock", "s3-fifo", "\u001b[31m", "a\nb"};

    /** One drawn input: the vector, and what the check needs to know of it. */
    record Input(String command, List<String> args, boolean surelyUsage, Set<String> mayChange, Set<String> mayChangeOnFailure,
            List<String> subjects) {
        @Override
        public String toString() {
            return "ubd " + String.join(" ", args).replace("\n", "\\n");
        }
    }

    private final Random r;
    private final Scratch s;
    private final List<String> args = new ArrayList<>();
    private final Set<String> writes = new LinkedHashSet<>();
    private final Set<String> partial = new LinkedHashSet<>();
    private final List<String> subjects = new ArrayList<>();
    private boolean surelyUsage;
    private final boolean root;

    private CliFuzz(Random r, Scratch s) {
        this.r = r;
        this.s = s;
        this.root = Scratch.root(s.back);
    }

    /** Draws one input for {@code command} (any command when null), making its files in the scratch. */
    static Input draw(Random r, Scratch s, String command) throws IOException {
        CliFuzz f = new CliFuzz(r, s);
        String cmd = command != null ? command : COMMANDS.get(r.nextInt(COMMANDS.size()));
        f.build(cmd);
        return new Input(cmd, List.copyOf(f.args), f.surelyUsage, Set.copyOf(f.writes), Set.copyOf(f.partial), List.copyOf(f.subjects));
    }

    /** Runs it and returns every rule it breaks (empty when none). */
    static List<String> check(Input in, Scratch s) throws IOException {
        Snapshot before = Snapshot.of(s.dir);
        InProcessCli.Outcome o = InProcessCli.run(in.args(), s);
        Snapshot after = Snapshot.of(s.dir);
        Rules.Expect e = in.surelyUsage() ? Rules.Expect.USAGE : Rules.Expect.ANY;
        List<String> v = new ArrayList<>(Rules.violations(e, o, in.subjects(), before, after, in.mayChange(), in.mayChangeOnFailure()));
        if (in.command().equals("parse") && in.args().contains("--json") && !o.out().isBlank()) {
            // parse --json gives its verdict, the kernel's messages included, in the JSON on stdout
            v.removeIf(x -> x.startsWith("[stderr] exit 1 with nothing on stderr"));
        }
        if (in.command().equals("parse") && o.exit() == 1) {
            // parse's verdict is the kernel's own lines, word for word, and some name no option
            // ("fake major not supported any more" for ubd=N); every other rule still holds
            v.removeIf(x -> x.startsWith("[stderr] the last line names none of") || x.startsWith("[stderr] a line that is neither"));
        }
        if (!v.isEmpty()) {
            v.add("--- " + in + "\n" + o.describe());
        }
        return v;
    }

    // ---- drawing ---------------------------------------------------------------------------------

    private boolean coin() {
        return r.nextBoolean();
    }

    private void arg(String a) {
        args.add(a);
        subjects.add(a);
        if (a.startsWith("--") && a.contains("=")) {
            subjects.add(a.substring(0, a.indexOf('=')));
        }
    }

    private void option(String name, String value) {
        args.add(name);
        args.add(value);
        subjects.add(name);
    }

    /** A numeric option; {@code counts}: negative values are wrong too (not so for a seed). */
    private void number(String name, boolean counts, boolean intRange) {
        String v = NUMBERS[r.nextInt(NUMBERS.length)];
        if (r.nextInt(5) == 0) {
            v = Long.toString(r.nextLong() >> r.nextInt(64));
        }
        option(name, v);
        if (surelyWrong(v, counts, intRange)) {
            surelyUsage = true;
        }
    }

    /** No reading of it makes a count, offset or seed: not a number in any base, out of range, or negative for a count. */
    static boolean surelyWrong(String v, boolean counts, boolean intRange) {
        if (!v.equals(v.strip()) || v.contains("_")) {
            return false;
        }
        Long n = null;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            try {
                n = Long.decode(v);
            } catch (NumberFormatException e2) {
                return !v.matches("[0-9.]+[eE]?[0-9]*|[0-9]+[KMGkmg]");
            }
        }
        return counts && n < 0 || intRange && (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE);
    }

    /** A double that must be a finite non-negative number. */
    private void positiveDouble(String name) {
        String v = NUMBERS[r.nextInt(NUMBERS.length)];
        option(name, v);
        if (v.equals("NaN") || v.equals("Infinity") || v.equals("-Infinity") || v.equals("1e400") || v.equals("twelve") || v.isEmpty()
                || v.startsWith("-") && !v.equals("-0")) {
            surelyUsage = true;
        }
    }

    private void word(String name) {
        option(name, WORDS[r.nextInt(WORDS.length)]);
    }

    /** A file to read: a hostile kind or one of the scratch's valid files. */
    private String input() throws IOException {
        if (r.nextInt(3) == 0) {
            Path[] valid = {s.back, s.cow, s.trace, s.data};
            return named(valid[r.nextInt(valid.length)].toString());
        }
        HostileFile k = HostileFile.values()[r.nextInt(HostileFile.values().length)];
        if (k == HostileFile.NO_READ && root || k == HostileFile.CHAR_DEVICE && !root) {
            k = HostileFile.MISSING;
        }
        String path = named(s.make(k));
        // a message may name the file the header names instead (the untrusted COW file's backing file)
        subjects.addAll(k.tokens());
        return path;
    }

    /** A file a command may write: a missing name, or a hostile kind that is never a real device. */
    private String output() throws IOException {
        if (coin()) {
            return named(s.dir.resolve(coin() ? "new.cow" : "out.img").toString());
        }
        HostileFile k = HostileFile.values()[r.nextInt(HostileFile.values().length)];
        if (k.realDevice() || k == HostileFile.NO_READ && root || k == HostileFile.CHAR_DEVICE && !root) {
            k = HostileFile.FIFO;
        }
        String path = named(s.make(k));
        // a message may name the file the header names instead (the untrusted COW file's backing file)
        subjects.addAll(k.tokens());
        return path;
    }

    private String named(String path) {
        subjects.add(Path.of(path).getFileName() == null ? path : Path.of(path).getFileName().toString());
        return path;
    }

    private String rel(String path) {
        return path.startsWith(s.dir.toString()) ? s.dir.relativize(Path.of(path)).toString() : "/outside";
    }

    /** A SPEC: mostly well-formed with random flags and files, sometimes malformed, sometimes junk. */
    private String spec(boolean readOnlyDevices) throws IOException {
        int pick = r.nextInt(10);
        if (pick < 2) {
            String bad;
            if (pick == 0) {
                bad = s.expand(HostileCases.BAD_SPECS.get(r.nextInt(HostileCases.BAD_SPECS.size())), null);
            } else {
                StringBuilder b = new StringBuilder("ubd");
                String alphabet = "0123456789abrscdt=,:/.\u001b\n x";
                for (int i = r.nextInt(12); i > 0; i--) {
                    b.append(alphabet.charAt(r.nextInt(alphabet.length())));
                }
                bad = b.toString();
            }
            subjects.add(bad.isEmpty() ? "\"\"" : bad);
            if (bad.startsWith("ubd")) {
                // the kernel's messages quote what follows "ubd": Failed to initialize device with ""
                subjects.add("\"" + bad.substring(3));
            }
            return bad;
        }
        StringBuilder flags = new StringBuilder();
        for (char c : "rscdt".toCharArray()) {
            if (r.nextInt(4) == 0) {
                flags.append(c);
            }
        }
        boolean ro = flags.indexOf("r") >= 0;
        String file;
        if (ro || readOnlyDevices) {
            file = input();
        } else {
            file = output();
            writes.add(rel(file));
        }
        String spec = "ubd" + r.nextInt(3) + flags + "=" + file;
        if (coin()) {
            spec += (coin() ? "," : ":") + input();
        }
        subjects.add(spec);
        subjects.add(spec.substring(3));
        return spec;
    }

    private void flags(String... names) {
        for (String n : names) {
            if (coin()) {
                arg(n);
            }
        }
    }

    private void build(String cmd) throws IOException {
        args.add(cmd);
        switch (cmd) {
            case "mkcow" -> {
                flags("-f", "--content-id");
                if (coin()) {
                    word("--preallocate");
                }
                String cow = output();
                writes.add(rel(cow));
                args.add(cow);
                args.add(input());
            }
            case "moo" -> {
                boolean d = r.nextInt(4) == 0;
                if (d) {
                    args.add("-d");
                    writes.add("back.img");
                }
                if (coin()) {
                    String b = input();
                    option("-b", b);
                    if (d) {
                        writes.add(rel(b));
                    }
                }
                if (r.nextInt(4) == 0) {
                    option("--allow-backing-dir", coin() ? s.dir.toString() : input());
                }
                args.add(input());
                if (!d || r.nextInt(8) == 0) {
                    String out = output();
                    writes.add(rel(out));
                    args.add(out);
                }
            }
            case "info", "check", "map" -> {
                flags("--json");
                if (cmd.equals("check") && coin()) {
                    option("--expect-backing", input());
                }
                if (cmd.equals("check")) {
                    flags("--verify-content");
                }
                if (!cmd.equals("map") && r.nextInt(4) == 0) {
                    option("--allow-backing-dir", coin() ? s.dir.toString() : input());
                }
                args.add(input());
            }
            case "rebase" -> {
                flags("--json");
                switch (r.nextInt(4)) {
                    case 0 -> {
                        String cow = input();
                        writes.add(rel(cow));
                        args.add(cow);
                        args.add(input());
                    }
                    case 1 -> {
                        arg("--safe");
                        for (int i = 1 + r.nextInt(3); i > 0; i--) {
                            String cow = input();
                            writes.add(rel(cow));
                            args.add(cow);
                        }
                        args.add(coin() ? named(s.upgradedBacking().toString()) : input());
                    }
                    case 2 -> {
                        arg("--find");
                        for (int i = 1 + r.nextInt(2); i > 0; i--) {
                            args.add(coin() ? named(s.dir.toString()) : input());
                        }
                        String cow = coin() ? named(s.idCow().toString()) : input();
                        writes.add(rel(cow));
                        args.add(cow);
                    }
                    default -> {
                        arg("--add-content-id");
                        String cow = input();
                        writes.add(rel(cow));
                        args.add(cow);
                    }
                }
            }
            case "compare" -> {
                flags("--json");
                args.add(input());
                args.add(input());
            }
            case "parse" -> {
                flags("--json");
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    args.add(spec(true));
                }
            }
            case "cat" -> {
                if (coin()) {
                    number("--offset", true, false);
                }
                if (coin()) {
                    number("--length", true, false);
                }
                args.add(spec(false));
            }
            case "write" -> {
                number("--offset", true, false);
                if (r.nextInt(5) != 0) {
                    String in = input();
                    if (in.startsWith("/dev/zero") || in.endsWith(HostileFile.FIFO.fileName) || in.endsWith(HostileFile.HUGE_SPARSE.fileName)) {
                        in = s.data.toString();
                    }
                    option("--input", in);
                }
                args.add(spec(false));
                partial.addAll(writes);
            }
            case "replay", "cache-sim" -> {
                boolean replay = cmd.equals("replay");
                option("--trace", coin() ? named(s.trace.toString()) : input());
                if (coin()) {
                    number("--vms", true, true);
                }
                if (coin()) {
                    number("--limit", true, false);
                }
                if (coin()) {
                    number("--seed", false, false);
                }
                if (coin()) {
                    word("--format");
                }
                if (replay) {
                    if (coin()) {
                        number("--at-once", true, true);
                    }
                    if (coin()) {
                        number("--max-inflight", true, true);
                    }
                    if (coin()) {
                        number("--merge-check", true, true);
                    }
                    if (coin()) {
                        // only ever a value to refuse: a valid one would start the real kernel
                        option("--oracle", new String[] {"-1", "NaN", "", "x"}[r.nextInt(4)]);
                        surelyUsage = true;
                    }
                    if (coin()) {
                        positiveDouble("--pace");
                    }
                    if (coin()) {
                        word("--inject");
                    }
                    if (coin()) {
                        word("--preallocate");
                    }
                    if (coin()) {
                        option("--alloc-unit", NUMBERS[r.nextInt(NUMBERS.length)]);
                    }
                    flags("--json", "--force", "--shift-space", "--shift-time", "--random-shifts");
                    String flagsChars = r.nextInt(4) == 0 ? "r" : "";
                    String spec = r.nextInt(6) == 0 ? spec(false) : "ubd0" + flagsChars + "=" + s.dir.resolve("r.cow") + "," + input();
                    subjects.add(spec);
                    args.add(spec);
                    writes.add("r-*");
                } else {
                    if (coin()) {
                        positiveDouble("--sample");
                    }
                    if (coin()) {
                        word("--policy");
                    }
                    if (coin()) {
                        option("--size", NUMBERS[r.nextInt(NUMBERS.length)]);
                    }
                    flags("--json", "--shift-space", "--shift-time", "--random-shifts");
                }
                if (r.nextInt(4) == 0) {
                    String out = output();
                    option("--out", out);
                    writes.add(rel(out));
                    writes.add(rel(out) + "/*");
                }
            }
            case "serve" -> {
                option("--listen", coin() ? "unix:" + s.dir.resolve("s.sock") : WORDS[r.nextInt(WORDS.length)]);
                option("--poll-us", new String[] {"-1", "NaN", "1000001", "9223372036854775808", "x", ""}[r.nextInt(6)]);
                surelyUsage = true;
                args.add(spec(true));
            }
            case "bench" -> {
                args.add("--replay");
                option("--dir", s.dir.resolve("bench").toString());
                option("--trace", s.trace.toString());
                option("--rounds", new String[] {"-1", "0", "NaN", "9223372036854775807", "x", ""}[r.nextInt(6)]);
                surelyUsage = true;
                if (coin()) {
                    word("--cache-policy");
                }
            }
            case "uml" -> {
                args.add("--");
                args.add("--help");
                String bad = List.of("ubd0=", "ubdz=x", "ubd99999999999999999999=x", "ubd0=,x").get(r.nextInt(4));
                arg(bad);
                subjects.add(bad.substring(3));
                surelyUsage = true;
                if (coin()) {
                    args.add(spec(true));
                }
            }
            case "demo" -> {
                flags("--json", "--keep");
                arg(new String[] {"--hostile-bogus", "extra", "--json=NaN", "--keep=2"}[r.nextInt(4)]);
                surelyUsage = true;
            }
            default -> throw new IllegalArgumentException(cmd);
        }
        if (r.nextInt(20) == 0) {
            // options in any order: a shuffle of everything after the command
            List<String> rest = new ArrayList<>(args.subList(1, args.size()));
            if (!rest.contains("--")) {
                java.util.Collections.shuffle(rest, r);
                args.subList(1, args.size()).clear();
                args.addAll(rest);
                surelyUsage = false;
            }
        }
    }
}
