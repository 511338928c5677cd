package org.ubdjava.cli.hostile;

import static org.ubdjava.cli.hostile.HostileFile.*;
import static org.ubdjava.cli.hostile.Rules.Expect.ANY;
import static org.ubdjava.cli.hostile.Rules.Expect.FAILED;
import static org.ubdjava.cli.hostile.Rules.Expect.FAILED_OR_USAGE;
import static org.ubdjava.cli.hostile.Rules.Expect.USAGE;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.ubdjava.cli.UbdMain;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The hostile cases, made systematically: every command, each of its file arguments given each
 * kind of bad file ({@link HostileFile}), each numeric option given NaN, infinity, negative, zero,
 * huge and non-numbers, each option without its value, an unknown option, wrong argument counts,
 * malformed SPECs. serve, uml, demo and bench get only cases they must refuse before starting
 * anything.
 */
final class HostileCases {
    static final String NAN = "NaN";
    static final String INF = "Infinity";
    static final String NEG = "-1";
    static final String ZERO = "0";
    static final String HUGE = "100000000";
    static final String LONG_MAX = "9223372036854775807";
    static final String TWO_63 = "9223372036854775808";
    static final String WORD = "twelve";
    static final String NOTHING = "";
    /** Values no numeric option takes. */
    static final List<String> NEVER = List.of(NAN, INF, NEG, WORD, NOTHING, TWO_63);

    /** The replay's and cache-sim's SPEC: the COW files it makes are r-0.cow, r-1.cow ... */
    static final String REPLAY_SPEC = "ubd0={dir}/r.cow,{back}";
    static final String SERVE_LISTEN = "unix:{dir}/s.sock";

    private final List<HostileCase> cases = new ArrayList<>();

    private HostileCases() {
    }

    static List<HostileCase> all() {
        HostileCases c = new HostileCases();
        c.files();
        c.numbers();
        c.words();
        c.specs();
        c.commandLines();
        return c.cases;
    }

    // ---- file arguments --------------------------------------------------------------------------

    /** One case per kind: {@code args} with {H} where the file goes; {@code expect} per kind. */
    private void file(String label, Set<HostileFile> kinds, Function<HostileFile, Rules.Expect> expect, Function<HostileCase, HostileCase> more,
            String... args) {
        for (HostileFile k : kinds) {
            HostileCase c = HostileCase.of(label + "=" + k.label, expect.apply(k), List.of("{H}"), args).with(k);
            cases.add(more.apply(c));
        }
    }

    private void file(String label, Set<HostileFile> kinds, Function<HostileFile, Rules.Expect> expect, String... args) {
        file(label, kinds, expect, c -> c, args);
    }

    private static Function<HostileFile, Rules.Expect> failedBut(Map<HostileFile, Rules.Expect> except) {
        return k -> except.getOrDefault(k, FAILED);
    }

    private static final Function<HostileFile, Rules.Expect> FAIL = k -> FAILED;

    private void files() {
        Set<HostileFile> rawKinds = union(INPUT, EnumSet.of(TRUNCATED_COW, CORRUPT_COW, SELF_BACKING_COW, UNTRUSTED_COW));
        Set<HostileFile> rwDeviceKinds = EnumSet.of(EMPTY, DIRECTORY, FIFO, SOCKET, CHAR_DEVICE, SYMLINK_LOOP, CORRUPT_COW,
                UNTRUSTED_COW, SELF_BACKING_COW, LOCKED_COW);
        Set<HostileFile> newOverBacking = union(INPUT, EnumSet.of(VALID_COW, UNTRUSTED_COW));
        Set<HostileFile> notADir = EnumSet.of(MISSING, EMPTY, FIFO, SOCKET, DEV_NULL, SYMLINK_LOOP, DANGLING_SYMLINK);
        Set<HostileFile> traces = union(INPUT, EnumSet.of(GARBAGE, HUGE_SPARSE));
        Set<HostileFile> notAnOutDir = EnumSet.of(EMPTY, FIFO, SOCKET, CHAR_DEVICE, SYMLINK_LOOP);

        // mkcow: COW is written, BACKING read; -f only ever replaces a COW file
        file("mkcow COW", union(OUTPUT, EnumSet.of(GARBAGE, VALID_COW)), FAIL, "mkcow", "{H}", "{back}");
        file("mkcow -f COW", union(OUTPUT, EnumSet.of(GARBAGE)), FAIL, "mkcow", "-f", "{H}", "{back}");
        // an empty file is what a failed uml_mkcow leaves behind: -f replaces it
        cases.add(HostileCase.of("mkcow -f COW=empty", ANY, List.of("{H}"), "mkcow", "-f", "{H}", "{back}").with(EMPTY)
                .writes(EMPTY.fileName));
        file("mkcow BACKING", union(INPUT, EnumSet.of(VALID_COW, UNTRUSTED_COW, TRUNCATED_COW, CORRUPT_COW)),
                failedBut(Map.of(TRUNCATED_COW, ANY)), c -> c.writes("new.cow"), "mkcow", "{new}", "{H}");

        // moo
        file("moo COW", COW_INPUT, FAIL, c -> c.writes("out.img"), "moo", "{H}", "{out}");
        file("moo -d COW", COW_INPUT, FAIL, "moo", "-d", "{H}");
        file("moo NEWFILE", OUTPUT, FAIL, "moo", "{cow}", "{H}");
        cases.add(HostileCase.of("moo NEWFILE=the-backing-file", FAILED, List.of("back.img"), "moo", "{cow}", "{back}"));
        cases.add(HostileCase.of("moo NEWFILE=the-cow-file", FAILED, List.of("vm.cow"), "moo", "{cow}", "{cow}"));
        cases.add(HostileCase.of("moo NEWFILE=missing-directory", FAILED, List.of("hostile-nodir"), "moo", "{cow}", "{dir}/hostile-nodir/out.img"));
        cases.add(HostileCase.of("moo -d backing=locked", FAILED, List.of("back.img", "vm.cow"), "moo", "-d", "{cow}").locking("back.img"));
        file("moo -b", union(INPUT, EnumSet.of(GARBAGE, HUGE_SPARSE)), FAIL, "moo", "-b", "{H}", "{cow}", "{out}");
        file("moo --allow-backing-dir", notADir, FAIL, "moo", "--allow-backing-dir", "{H}", "{cow}", "{out}");

        // info, check, map: read only
        Function<HostileFile, Rules.Expect> shown = failedBut(Map.of(UNTRUSTED_COW, ANY, SELF_BACKING_COW, ANY));
        file("info COW", COW_INPUT, shown, "info", "{H}");
        file("info --json COW", EnumSet.of(UNTRUSTED_COW, SELF_BACKING_COW, CORRUPT_COW, TRUNCATED_COW, FIFO), shown, "info", "--json", "{H}");
        file("info --allow-backing-dir", notADir, FAIL, "info", "--allow-backing-dir", "{H}", "{cow}");
        file("check COW", COW_INPUT, FAIL, "check", "{H}");
        file("check --expect-backing", INPUT, FAIL, "check", "--expect-backing", "{H}", "{cow}");
        file("check --allow-backing-dir", notADir, FAIL, "check", "--allow-backing-dir", "{H}", "{cow}");
        file("map COW", COW_INPUT, FAIL, "map", "{H}");
        file("map --json COW", EnumSet.of(UNTRUSTED_COW, CORRUPT_COW, FIFO), FAIL, "map", "--json", "{H}");

        // rebase: rewrites COW's header
        // refused because of the pair: naming the new backing file (which field differs) is naming the problem
        for (HostileFile k : union(COW_INPUT, EnumSet.of(LOCKED_COW))) {
            cases.add(new HostileCase("rebase COW=" + k.label, List.of("rebase", "{H}", "{back}"), k, FAILED, List.of("{H}", "back.img"),
                    Set.of(), Set.of(), List.of()));
        }
        file("rebase NEWBACKING", union(INPUT, EnumSet.of(GARBAGE, HUGE_SPARSE, VALID_COW, UNTRUSTED_COW)), FAIL, "rebase", "{cow}", "{H}");

        // rebase --safe: every refusal leaves every COW file as it was, the good one given with a bad one too
        Set<HostileFile> cowOrLocked = union(COW_INPUT, EnumSet.of(LOCKED_COW));
        file("rebase --safe COW", cowOrLocked, FAIL, "rebase", "--safe", "{H}", "{back2}");
        file("rebase --safe COW COW", cowOrLocked, FAIL, "rebase", "--safe", "{cow}", "{H}", "{back2}");
        file("rebase --safe NEWBACKING", union(INPUT, EnumSet.of(GARBAGE, HUGE_SPARSE, VALID_COW, UNTRUSTED_COW)), FAIL,
                "rebase", "--safe", "{cow}", "{H}");
        file("rebase --safe --json NEWBACKING", EnumSet.of(MISSING, FIFO, VALID_COW), FAIL, "rebase", "--safe", "--json", "{cow}", "{H}");
        cases.add(HostileCase.of("rebase --safe backing=locked", FAILED, List.of("back.img"), "rebase", "--safe", "{cow}", "{back2}")
                .locking("back.img"));
        cases.add(HostileCase.of("rebase --safe NEWBACKING=locked", FAILED, List.of("back2.img"), "rebase", "--safe", "{cow}", "{back2}")
                .locking(Scratch.UPGRADED));
        cases.add(HostileCase.of("rebase --safe COW=given-twice", FAILED, List.of("vm.cow"), "rebase", "--safe", "{cow}", "{cow}", "{back2}"));
        // rebase --find: candidates are only read; a changed copy of the right size is refused, naming it
        file("rebase --find DIR", union(INPUT, EnumSet.of(GARBAGE, HUGE_SPARSE, VALID_COW)), FAIL, "rebase", "--find", "{H}", "{idcow}");
        file("rebase --find COW", cowOrLocked, FAIL, "rebase", "--find", "{dir}", "{H}");
        cases.add(HostileCase.of("rebase --find DIR=changed-copy", FAILED, List.of("back2.img"), "rebase", "--find", "{back2}", "{idcow}"));
        cases.add(HostileCase.of("rebase --find COW=without-content-id", FAILED, List.of("vm.cow"), "rebase", "--find", "{dir}", "{cow}"));
        // rebase --add-content-id: only a COW file over its right backing file gets one
        file("rebase --add-content-id COW", cowOrLocked, FAIL, "rebase", "--add-content-id", "{H}");

        // compare: both files only read; each kind here differs from the backing file or cannot be compared
        Set<HostileFile> images = union(INPUT, EnumSet.of(GARBAGE, HUGE_SPARSE, VALID_COW, TRUNCATED_COW));
        file("compare OLD", images, FAIL, "compare", "{H}", "{back}");
        file("compare NEW", images, FAIL, "compare", "{back}", "{H}");
        file("compare --json OLD", EnumSet.of(MISSING, FIFO, GARBAGE, HUGE_SPARSE), FAIL, "compare", "--json", "{H}", "{back}");

        // mkcow --content-id reads the whole backing file (a 1 TiB one, holes and all, would take minutes: not a case); check --verify-content too
        file("mkcow --content-id BACKING", union(INPUT, EnumSet.of(VALID_COW, UNTRUSTED_COW, TRUNCATED_COW, CORRUPT_COW)),
                failedBut(Map.of(TRUNCATED_COW, ANY)), c -> c.writes("new.cow"), "mkcow", "--content-id", "{new}", "{H}");
        file("check --verify-content COW", COW_INPUT, FAIL, "check", "--verify-content", "{H}");
        cases.add(HostileCase.of("check --verify-content COW=without-content-id", FAILED, List.of("vm.cow"), "check", "--verify-content", "{cow}"));

        // parse touches no file, whatever the SPEC names
        file("parse SPEC file", EnumSet.of(MISSING, DIRECTORY, FIFO, SOCKET, LOCKED_COW), k -> ANY, "parse", "ubd0={H},{back}");

        // cat: the kernel's open rules; 'r' only reads, so the real devices may be read
        // a header the kernel cannot read makes the file a raw image, as in the kernel (with a line saying so)
        file("cat ubd0r=FILE", rawKinds, failedBut(Map.of(EMPTY, ANY, TRUNCATED_COW, ANY, CORRUPT_COW, ANY)), "cat", "ubd0r={H}");
        file("cat ubd0=FILE,back", rwDeviceKinds, FAIL, "cat", "ubd0={H},{back}");
        // cat creates no COW file: the missing COW file is the problem (or a missing backing file, when checked first)
        for (HostileFile k : newOverBacking) {
            cases.add(HostileCase.of("cat ubd0=new,BACKING=" + k.label, FAILED, List.of("new.cow", "{H}"), "cat", "ubd0={new},{H}").with(k));
        }
        file("cat ubd0r=cow,BACKING", EnumSet.of(MISSING, DIRECTORY, FIFO, SOCKET, DEV_ZERO), k -> ANY, "cat", "ubd0r={cow},{H}");
        cases.add(HostileCase.of("cat ubd0=locked-cow", FAILED, List.of("{H}"), "cat", "ubd0={H}").with(LOCKED_COW));

        // write: --input is read (a FIFO is a pipe, a normal input: not a case), the device written
        file("write --input", EnumSet.of(MISSING, DIRECTORY, SOCKET, SYMLINK_LOOP, DANGLING_SYMLINK, NO_READ), FAIL,
                "write", "--offset", "0", "--input", "{H}", "ubd0={cow}");
        file("write --input", EnumSet.of(EMPTY, DEV_NULL), k -> ANY, c -> c.writes("vm.cow"),
                "write", "--offset", "0", "--input", "{H}", "ubd0={cow}");
        // endless zeros: the device is full first, and says so
        cases.add(HostileCase.of("write --input=/dev/zero", ANY, List.of("{H}", "ubda"), "write", "--offset", "0", "--input", "{H}", "ubd0={cow}")
                .with(DEV_ZERO).writesEvenOnFailure("vm.cow"));
        file("write --input (new COW)", EnumSet.of(MISSING, DIRECTORY, SOCKET), FAIL,
                "write", "--offset", "0", "--input", "{H}", "ubd0={new},{back}");
        file("write ubd0=FILE,back", rwDeviceKinds, FAIL, "write", "--offset", "0", "--input", "{data}", "ubd0={H},{back}");
        file("write ubd0=new,BACKING", union(INPUT, EnumSet.of(VALID_COW)), failedBut(Map.of(EMPTY, ANY)), c -> c.writes("new.cow"),
                "write", "--offset", "0", "--input", "{data}", "ubd0={new},{H}");
        cases.add(HostileCase.of("write ubd0r=read-only", FAILED, List.of("ubda", "vm.cow"),
                "write", "--offset", "0", "--input", "{data}", "ubd0r={cow}"));

        // replay, cache-sim: traces read, reports written
        file("replay --trace", traces, FAIL, "replay", "--trace", "{H}", REPLAY_SPEC);
        file("replay --out", notAnOutDir, k -> FAILED_OR_USAGE, "replay", "--trace", "{trace}", "--out", "{H}", REPLAY_SPEC);
        file("replay ubd0=r.cow,BACKING", union(INPUT, EnumSet.of(VALID_COW)), FAIL, "replay", "--trace", "{trace}", "ubd0={dir}/r.cow,{H}");
        file("cache-sim --trace", traces, FAIL, "cache-sim", "--trace", "{H}");
        file("cache-sim --out", notAnOutDir, k -> FAILED_OR_USAGE, "cache-sim", "--trace", "{trace}", "--out", "{H}");
        // report merge: shards' result directories read
        file("report merge DIR", union(INPUT, EnumSet.of(GARBAGE, VALID_COW)), FAIL, "report", "merge", "{H}");
        file("report merge --json DIR", EnumSet.of(MISSING, DIRECTORY, FIFO), FAIL, "report", "merge", "--json", "{H}");

        // bench, serve, uml: refused before anything starts
        file("bench --dir", notAnOutDir, k -> FAILED_OR_USAGE, "bench", "--replay", "--trace", "{trace}", "--dir", "{H}");
        file("bench --trace", EnumSet.of(MISSING, DIRECTORY, FIFO, GARBAGE), k -> FAILED_OR_USAGE,
                "bench", "--replay", "--dir", "{dir}/bench", "--trace", "{H}");
        file("bench --out", EnumSet.of(EMPTY, FIFO), k -> FAILED_OR_USAGE,
                "bench", "--replay", "--trace", "{trace}", "--dir", "{dir}/bench", "--out", "{H}");
        file("serve ubd0=FILE,back", EnumSet.of(DIRECTORY, FIFO, SOCKET, CHAR_DEVICE, CORRUPT_COW, LOCKED_COW), FAIL,
                "serve", "--listen", SERVE_LISTEN, "ubd0={H},{back}");
        file("serve ubd0=new,BACKING", EnumSet.of(MISSING, DIRECTORY, FIFO, VALID_COW), FAIL, "serve", "--listen", SERVE_LISTEN, "ubd0={new},{H}");
        file("serve --listen unix", EnumSet.of(EMPTY, DIRECTORY, FIFO), FAIL, "serve", "--listen", "unix:{H}", "ubd0={cow}");
        file("serve --record", EnumSet.of(EMPTY, FIFO, CHAR_DEVICE), k -> FAILED_OR_USAGE,
                "serve", "--listen", "vhost-user:{dir}/v.sock", "--record", "{H}", "ubd0={cow}");
        // "--help" is linux.uml's: were the device wrongly accepted, the kernel would only print its help and exit
        file("uml ubd0=FILE,back", EnumSet.of(DIRECTORY, FIFO, CORRUPT_COW, LOCKED_COW), FAIL, "uml", "--", "--help", "ubd0={H},{back}");
        file("uml ubd0=new,BACKING", EnumSet.of(MISSING, DIRECTORY, FIFO), FAIL, "uml", "--", "--help", "ubd0={new},{H}");
    }

    // ---- numeric options -------------------------------------------------------------------------

    /**
     * {@code opt} given each of {@link #NEVER} (a wrong command line), and {@code more}'s values with
     * their own expectation; {@code args} are the rest of a valid command line, the value at {V}.
     */
    private void number(String opt, Map<String, Rules.Expect> more, Set<String> writes, String... args) {
        Map<String, Rules.Expect> values = new LinkedHashMap<>();
        NEVER.forEach(v -> values.put(v, USAGE));
        values.putAll(more);
        String command = args[0];
        values.forEach((v, e) -> {
            String[] a = new String[args.length];
            for (int i = 0; i < args.length; i++) {
                a[i] = args[i].equals("{V}") ? v : args[i];
            }
            String shown = v.isEmpty() ? "''" : v;
            HostileCase c = HostileCase.of(command + " " + opt + " " + shown, e, List.of(opt), a);
            cases.add(writes.isEmpty() ? c : c.writes(writes.toArray(String[]::new)));
        });
    }

    private static Map<String, Rules.Expect> map(Object... kv) {
        Map<String, Rules.Expect> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Rules.Expect) kv[i + 1]);
        }
        return m;
    }

    private void numbers() {
        Set<String> none = Set.of();
        Set<String> replayWrites = Set.of("r-*");
        number("--offset", map(HUGE, FAILED_OR_USAGE, LONG_MAX, FAILED_OR_USAGE, "511", USAGE, "1e3", USAGE), none,
                "cat", "--offset", "{V}", "ubd0r={cow}");
        number("--length", map(ZERO, ANY, HUGE, FAILED_OR_USAGE, LONG_MAX, FAILED_OR_USAGE, "511", USAGE), none,
                "cat", "--length", "{V}", "ubd0r={cow}");
        cases.add(HostileCase.of("cat --offset+--length overflow", FAILED_OR_USAGE, List.of("--offset", "--length"),
                "cat", "--offset", "9223372036854775296", "--length", "1024", "ubd0r={cow}"));
        cases.add(HostileCase.of("cat --length past 2^63 from --offset", FAILED_OR_USAGE, List.of("--offset", "--length"),
                "cat", "--offset", "512", "--length", "9223372036854775296", "ubd0r={cow}"));
        number("--offset", map(HUGE, FAILED_OR_USAGE, LONG_MAX, FAILED_OR_USAGE, "511", USAGE), Set.of("vm.cow"),
                "write", "--offset", "{V}", "--input", "{data}", "ubd0={cow}");
        cases.add(HostileCase.of("write --offset+length overflow", FAILED_OR_USAGE, List.of("--offset"),
                "write", "--offset", "9223372036854775296", "--input", "{data}", "ubd0={cow}"));

        String[] replay = {"replay", "--trace", "{trace}", null, "{V}", REPLAY_SPEC};
        for (Object[] o : new Object[][] {
                {"--vms", map(ZERO, USAGE, HUGE, FAILED_OR_USAGE, LONG_MAX, USAGE)},
                {"--at-once", map(LONG_MAX, USAGE)},
                {"--max-inflight", map(ZERO, USAGE, HUGE, USAGE, LONG_MAX, USAGE)},
                {"--merge-check", map(LONG_MAX, USAGE)},
                {"--oracle", map(HUGE, USAGE, LONG_MAX, USAGE)},
                {"--limit", map(ZERO, ANY)},
                {"--seed", map()},
                {"--pace", map("1e400", USAGE, "-Infinity", USAGE)},
                {"--alloc-unit", map("3K", USAGE, HUGE, USAGE, LONG_MAX, USAGE, "1X", USAGE)},
        }) {
            @SuppressWarnings("unchecked")
            Map<String, Rules.Expect> m = (Map<String, Rules.Expect>) o[1];
            if (o[0].equals("--seed")) {
                // any long seeds
                m.put(NEG, ANY);
            }
            String[] a = replay.clone();
            a[3] = (String) o[0];
            number((String) o[0], m, replayWrites, a);
        }
        for (Object[] o : new Object[][] {
                {"--vms", map(ZERO, USAGE, HUGE, USAGE, LONG_MAX, USAGE)},
                {"--limit", map(ZERO, ANY)},
                {"--seed", map(NEG, ANY)},
                {"--sample", map(HUGE, USAGE, LONG_MAX, USAGE, TWO_63, USAGE, "1.5", USAGE, "-Infinity", USAGE)},
                {"--size", map(ZERO, USAGE, "1,,2", USAGE, "9223372036854775807GiB", USAGE, "1X", USAGE)},
        }) {
            @SuppressWarnings("unchecked")
            Map<String, Rules.Expect> m = (Map<String, Rules.Expect>) o[1];
            number((String) o[0], m, none, "cache-sim", "--trace", "{trace}", (String) o[0], "{V}");
        }
        number("--rounds", map(ZERO, USAGE, HUGE, USAGE, LONG_MAX, USAGE), none,
                "bench", "--replay", "--trace", "{trace}", "--dir", "{dir}/bench", "--rounds", "{V}");
        number("--vms", map(ZERO, USAGE, HUGE, USAGE, LONG_MAX, USAGE, "1,,2", USAGE), none,
                "bench", "--replay", "--trace", "{trace}", "--dir", "{dir}/bench", "--vms", "{V}");
        number("--poll-us", map(HUGE, USAGE, LONG_MAX, USAGE, "1000001", USAGE), none,
                "serve", "--listen", SERVE_LISTEN, "--poll-us", "{V}", "ubd0={cow}");
    }

    // ---- word-valued options ---------------------------------------------------------------------

    private void word(String opt, List<String> values, String... args) {
        for (String v : values) {
            String[] a = new String[args.length];
            for (int i = 0; i < args.length; i++) {
                a[i] = args[i].equals("{V}") ? v : args[i];
            }
            // the option, or the value quoted, as "unknown cache policy 'bogus'" does
            cases.add(HostileCase.of(args[0] + " " + opt + " " + (v.isEmpty() ? "''" : v), USAGE, List.of(opt, "'" + v + "'"), a));
        }
    }

    private void words() {
        List<String> bogus = List.of("bogus", NOTHING, NAN);
        word("--preallocate", bogus, "mkcow", "--preallocate", "{V}", "{new}", "{back}");
        word("--preallocate", bogus, "replay", "--trace", "{trace}", "--preallocate", "{V}", REPLAY_SPEC);
        word("--format", bogus, "replay", "--trace", "{trace}", "--format", "{V}", REPLAY_SPEC);
        word("--inject", List.of("bogus", NOTHING, "drop-writes:", "drop-writes:0", "drop-writes:-1",
                "drop-writes:NaN", "stale-reads:9223372036854775808"), "replay", "--trace", "{trace}", "--inject", "{V}", REPLAY_SPEC);
        word("--format", bogus, "cache-sim", "--trace", "{trace}", "--format", "{V}");
        word("--policy", List.of("bogus", NOTHING, "lru,,clock"), "cache-sim", "--trace", "{trace}", "--policy", "{V}");
        word("--cache-policy", List.of("bogus", NOTHING), "bench", "--replay", "--trace", "{trace}", "--dir", "{dir}/bench", "--cache-policy", "{V}");
        word("--listen", List.of("bogus", NOTHING, "unix:", "tcp:", "tcp:-1", "tcp:65536", "tcp:NaN", "tcp:127.0.0.1:99999",
                "vhost-user:"), "serve", "--listen", "{V}", "ubd0={cow}");
        word("--json", List.of("NaN", "2"), "demo", "--json={V}");
        word("--keep", List.of("maybe"), "demo", "--keep={V}");
    }

    // ---- SPECs -----------------------------------------------------------------------------------

    /** Malformed SPECs: each must be a wrong command line, naming the SPEC. */
    static final List<String> BAD_SPECS = List.of("", "ubd", "ubd0", "ubd0=", "ubdz=x", "ubd99999999999999999999=x", "ubd0=,{back}",
            "ubd0x={cow}", "ubd=sync", "ubd0={cow}:", "hda={cow}");

    /** Malformed for a command that opens a device, yet the kernel's parser, which parse reports, takes them (or passes them on, for uml). */
    static final Set<String> KERNEL_TAKES = Set.of("", "ubd0=", "ubd0=,{back}", "ubd=sync", "hda={cow}", "ubd0={cow}:");
    /** "file:" is the kernel's syntax for no backing file: a valid SPEC. */
    static final String EMPTY_BACKING = "ubd0={cow}:";

    private void specs() {
        for (String spec : BAD_SPECS) {
            // the kernel's messages quote what follows "ubd": Failed to initialize device with "0x=..."
            List<String> subjects = spec.isEmpty() ? List.of("\"\"") : spec.startsWith("ubd")
                    ? List.of(spec, "\"" + spec.substring(3)) : List.of(spec);
            String shown = spec.isEmpty() ? "''" : spec.replace("{back}", "back").replace("{cow}", "vm.cow");
            Rules.Expect device = spec.equals(EMPTY_BACKING) ? ANY : USAGE;
            cases.add(HostileCase.of("cat SPEC " + shown, device, subjects, "cat", spec));
            cases.add(HostileCase.of("write SPEC " + shown, device, subjects, "write", "--offset", "0", "--input", "{data}", spec)
                    .writes("vm.cow"));
            cases.add(HostileCase.of("replay SPEC " + shown, device, subjects, "replay", "--trace", "{trace}", spec).writes("vm-*"));
            if (!spec.equals(EMPTY_BACKING)) {
                // serve would serve it until stopped
                cases.add(HostileCase.of("serve SPEC " + shown, USAGE, subjects, "serve", "--listen", SERVE_LISTEN, spec));
            }
            // parse reports the kernel's verdict on each SPEC: a problem found (1) or a wrong command line (2)
            cases.add(HostileCase.of("parse SPEC " + shown, KERNEL_TAKES.contains(spec) ? ANY : FAILED_OR_USAGE, subjects, "parse", spec));
            if (spec.startsWith("ubd") && spec.contains("=") && !spec.equals("ubd=sync")) {
                cases.add(HostileCase.of("uml SPEC " + shown, device, subjects, "uml", "--", "--help", spec).writes("vm.cow"));
            }
        }
        // a file name with a newline and ESC in it: the messages naming it must escape them
        String evil = "ubd0r={dir}/evil\nubd: FORGED\u001b[31m";
        // the kernel's syntax splits it at ':': FILE "{dir}/evil\nubd", BACKING " FORGED\e[31m", each a file to name
        cases.add(HostileCase.of("cat SPEC file-name-with-newline-and-ESC", FAILED, List.of("evil", "FORGED"), "cat", evil));
        cases.add(HostileCase.of("info COW file-name-with-newline-and-ESC", FAILED, List.of("evil"), "info", "{dir}/evil\nubd: FORGED\u001b[31m"));
        cases.add(HostileCase.of("parse SPEC file-name-with-newline-and-ESC", ANY, List.of("evil"), "parse", evil));
    }

    // ---- argument counts, unknown options, options without their value --------------------------

    /** The rest of a valid command line, so that an unknown option is the one thing wrong. */
    static final Map<String, List<String>> VALID_REST = Map.ofEntries(Map.entry("mkcow", List.of("{new}", "{back}")),
            Map.entry("moo", List.of("{cow}", "{out}")), Map.entry("info", List.of("{cow}")), Map.entry("check", List.of("{cow}")),
            Map.entry("map", List.of("{cow}")), Map.entry("rebase", List.of("{cow}", "{back}")),
            Map.entry("compare", List.of("{back}", "{back}")), Map.entry("parse", List.of("ubd0={cow}")),
            Map.entry("cat", List.of("ubd0r={cow}")), Map.entry("write", List.of("--offset", "0", "--input", "{data}", "ubd0={cow}")),
            Map.entry("replay", List.of("--trace", "{trace}", REPLAY_SPEC)), Map.entry("cache-sim", List.of("--trace", "{trace}")),
            Map.entry("serve", List.of("--listen", SERVE_LISTEN, "ubd0={cow}")), Map.entry("uml", List.of("--", "--help", "ubd0={cow}")),
            Map.entry("bench", List.of("--replay", "--trace", "{trace}", "--dir", "{dir}/bench")), Map.entry("demo", List.of()),
            Map.entry("report", List.of("merge", "{dir}")));

    private void commandLines() {
        CommandLine root = UbdMain.commandLine(false);
        for (var e : root.getSubcommands().entrySet()) {
            String cmd = e.getKey();
            if (cmd.equals("help")) {
                continue;
            }
            List<String> a = new ArrayList<>(List.of(cmd, "--hostile-bogus"));
            a.addAll(VALID_REST.get(cmd));
            cases.add(HostileCase.of(cmd + " --hostile-bogus", USAGE, List.of("--hostile-bogus"), a.toArray(String[]::new)));
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                if (o.arity().min() > 0 && !o.usageHelp() && !o.versionHelp()) {
                    String name = o.longestName();
                    cases.add(HostileCase.of(cmd + " " + name + " without its value", USAGE, List.of(name), cmd, name));
                }
            }
        }
        cases.add(HostileCase.of("ubd hostile-command", USAGE, List.of("hostile-command"), "hostile-command"));
        List<String> cow = List.of("COW");
        cases.add(HostileCase.of("mkcow no arguments", USAGE, List.of("COW", "BACKING"), "mkcow"));
        cases.add(HostileCase.of("mkcow no BACKING", USAGE, List.of("BACKING"), "mkcow", "{new}"));
        cases.add(HostileCase.of("mkcow an extra argument", USAGE, List.of("hostile-extra"), "mkcow", "{new}", "{back}", "hostile-extra"));
        cases.add(HostileCase.of("moo no arguments", USAGE, cow, "moo"));
        cases.add(HostileCase.of("moo no NEWFILE", USAGE, List.of("NEWFILE", "new file"), "moo", "{cow}"));
        cases.add(HostileCase.of("moo -d and NEWFILE", USAGE, List.of("-d", "NEWFILE"), "moo", "-d", "{cow}", "{out}"));
        cases.add(HostileCase.of("moo an extra argument", USAGE, List.of("hostile-extra"), "moo", "{cow}", "{out}", "hostile-extra"));
        for (String c : List.of("info", "check", "map")) {
            cases.add(HostileCase.of(c + " no arguments", USAGE, cow, c));
            cases.add(HostileCase.of(c + " an extra argument", USAGE, List.of("hostile-extra"), c, "{cow}", "hostile-extra"));
        }
        cases.add(HostileCase.of("rebase no NEWBACKING", USAGE, List.of("NEWBACKING"), "rebase", "{cow}"));
        cases.add(HostileCase.of("rebase an extra argument", USAGE, List.of("NEWBACKING"), "rebase", "{cow}", "{back}", "hostile-extra"));
        cases.add(HostileCase.of("rebase --safe no NEWBACKING", USAGE, List.of("--safe"), "rebase", "--safe", "{cow}"));
        cases.add(HostileCase.of("rebase --find no COW", USAGE, List.of("--find"), "rebase", "--find", "{dir}"));
        cases.add(HostileCase.of("rebase --add-content-id an extra argument", USAGE, List.of("--add-content-id"),
                "rebase", "--add-content-id", "{cow}", "hostile-extra"));
        cases.add(HostileCase.of("rebase --safe --find", USAGE, List.of("--safe", "--find"), "rebase", "--safe", "--find", "{dir}", "{cow}"));
        cases.add(HostileCase.of("rebase --json no arguments", USAGE, List.of("NEWBACKING"), "rebase", "--json"));
        cases.add(HostileCase.of("compare no arguments", USAGE, List.of("OLD"), "compare"));
        cases.add(HostileCase.of("compare no NEW", USAGE, List.of("NEW"), "compare", "{back}"));
        cases.add(HostileCase.of("compare an extra argument", USAGE, List.of("hostile-extra"), "compare", "{back}", "{back}", "hostile-extra"));
        cases.add(HostileCase.of("parse no SPEC", USAGE, List.of("SPEC"), "parse"));
        cases.add(HostileCase.of("cat no SPEC", USAGE, List.of("SPEC"), "cat"));
        cases.add(HostileCase.of("cat two SPECs", USAGE, List.of("ubd1r="), "cat", "ubd0r={cow}", "ubd1r={cow}"));
        cases.add(HostileCase.of("write no --offset", USAGE, List.of("--offset"), "write", "--input", "{data}", "ubd0={cow}"));
        cases.add(HostileCase.of("replay no --trace", USAGE, List.of("--trace"), "replay", REPLAY_SPEC));
        cases.add(HostileCase.of("replay no SPEC", USAGE, List.of("SPEC"), "replay", "--trace", "{trace}"));
        cases.add(HostileCase.of("serve no SPEC", USAGE, List.of("SPEC"), "serve", "--listen", SERVE_LISTEN));
        cases.add(HostileCase.of("uml no ARGS", USAGE, List.of("ARGS"), "uml"));
        cases.add(HostileCase.of("demo an extra argument", USAGE, List.of("hostile-extra"), "demo", "hostile-extra"));
        cases.add(HostileCase.of("bench an extra argument", USAGE, List.of("hostile-extra"), "bench", "hostile-extra"));
        cases.add(HostileCase.of("report merge no DIR", USAGE, List.of("DIR"), "report", "merge"));
        cases.add(HostileCase.of("report merge --hostile-bogus", USAGE, List.of("--hostile-bogus"), "report", "merge", "--hostile-bogus", "{dir}"));
        cases.add(HostileCase.of("report hostile-command", USAGE, List.of("hostile-command"), "report", "hostile-command"));
    }
}
