package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.bench.compare.BenchReport;
import org.ubdjava.bench.compare.BenchRun;
import org.ubdjava.bench.compare.ReplayBench;
import org.ubdjava.bench.compare.ReplayBenchReport;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure our driver side by side with its peers, in one run.", "",
                "Run the same workloads, in one run, on the raw host file, on our driver (without and with the shared",
                "backing cache), and where installed on qcow2 (qemu-img bench) and the real UML driver (fio in the guest);",
                "print IOPS, MB/s, latency and ratios to the raw host file, and the shared-vs-private cache study on the",
                "trace (by default the shipped traces/guest-scan.iolog, a real guest's find/tar/grep; `ubd cache-sim`",
                "studies it in depth). Tools that are not installed are skipped with a line saying so. A target missed",
                "is reported in the table, not an exit 1."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "About a minute: 256 MiB backing file, short runs, a coarse cache-size ladder in the study.")
    boolean quick;

    @Option(names = "--json", description = "Print the report as JSON instead of the table.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "Write report.json and charts (PNG) to DIR.")
    Path out;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/ubd-bench-cli",
            description = "Where the benchmark's files live (reused between runs; default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--trace", paramLabel = "FILE",
            description = "With --replay: a trace to replay (repeatable; default: the traces that ship with ubd). "
                    + "Otherwise the trace of the trace workload and the cache study, any format ubd reads (default: the shipped "
                    + "guest-scan.iolog, recorded from a real guest).")
    List<Path> traces = new ArrayList<>();

    @Option(names = "--replay", description = "The main job side by side instead: `ubd replay` (every read verified; for traces "
            + "that write, also with --alloc-unit 0 and with --preallocate falloc) against fio's own replay of the same trace (--read_iolog, "
            + "--replay_no_stall=1, a copy of the backing per job) for each VM count, and at one VM the real UML driver "
            + "replaying it with fio in the guest; IOPS, MB/s, p50/p99, ratio to fio. Without --trace, also two cases of their own, "
            + "every figure a ratio within a round: 8 VMs of random 4 KiB reads beside 8 VMs writing 64 KiB with a sync every 16 "
            + "(the readers' IOPS in the mix over alone, ours and fio's), and `ubd replay --vms 1` of 16,384 random 4 KiB reads "
            + "in a fresh JVM started by bin/ubd against the real UML driver's fio in a guest.")
    boolean replay;

    @Option(names = "--guest", description = "Only the real guests instead: fio in one UML guest (psync, O_DIRECT, depth 1) on the "
            + "kernel's ubd, on a freshly started `ubd serve --listen vhost-user` (warmed by nothing but its own --warm-up) and on "
            + "qemu-storage-daemon, each workload on each back-end in turn, --rounds rounds; the table gives each back-end's "
            + "median round and the ratios.")
    boolean guest;

    @Option(names = "--vms", paramLabel = "LIST", split = ",", defaultValue = "1,16,64", converter = Numbers.Count.class,
            description = "With --replay: the VM counts (default: ${DEFAULT-VALUE}).")
    List<Integer> vms;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", converter = Rounds.class,
            description = "With --replay: runs of each system on each trace and VM count, in a rotating order; with --guest: "
                    + "rounds of every workload on every back-end. The table gives the median (and with --replay the range) (default: ${DEFAULT-VALUE}, at most " + Rounds.MAX + "; these shared "
                    + "machines drift by 1.5x).")
    int rounds;

    @Option(names = "--cache-policy", paramLabel = "POLICY", defaultValue = "clock", converter = CachePolicyConverter.class,
            description = "Policy of the shared cache in the driver+cache rows: lru, clock, w-tinylfu, arc, sieve, s3-fifo, 2q "
                    + "(default: ${DEFAULT-VALUE}, the cheapest hit; `ubd cache-sim` compares them all on a trace).")
    CachePolicy policy;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        CommandLines.requireOutDirectory(out, "--out");
        CommandLines.requireOutDirectory(dir, "--dir");
        if (replay && guest) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--replay and --guest are two different runs: give one");
        }
        if (replay) {
            return replay(stdout, err);
        }
        if (guest && !traces.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--guest takes no --trace (fio runs its own workloads in the guest)");
        }
        if (traces.size() > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the cache study takes one --trace (several go with --replay)");
        }
        Path trace = traces.isEmpty() ? null : traces.get(0); // null: the shipped trace
        BenchRun run = new BenchRun(quick, dir, trace, policy, err, launcher());
        BenchReport report = guest ? run.guest(rounds) : run.run();
        if (json) {
            stdout.println(report.json());
            stdout.flush();
        } else {
            report.printTable(stdout);
        }
        if (out != null) {
            report.writeDir(out);
            err.println("wrote " + out.resolve("report.json") + " and charts");
            err.flush();
        }
        return ExitCodes.OK;
    }

    private int replay(PrintWriter stdout, PrintWriter err) throws java.io.IOException {
        ReplayCommand.requireHeap(spec, vms.stream().mapToInt(Integer::intValue).max().orElse(1), ReplayBench.MAX_INFLIGHT);
        ReplayBenchReport report = new ReplayBench(dir.resolve("replay"), err, rounds, launcher()).run(traces, vms);
        String text = Json.write(report);
        if (json) {
            stdout.println(text);
            stdout.flush();
        } else {
            report.printTable(stdout);
        }
        if (out != null) {
            report.writeDir(out, text);
            err.println("wrote " + out.resolve("replay-report.json") + " and charts");
            err.flush();
        }
        return ExitCodes.OK;
    }

    /**
     * How a user starts ubd, for the fresh-JVM case and the guests' fresh server: the launcher of the checkout this jar (or
     * these classes) was built in, {@code ROOT/bin/ubd} beside {@code ROOT/ubd-cli/target/ubd.jar};
     * empty where there is none (a jar copied elsewhere), and the case says it is skipped.
     */
    static List<String> launcher() {
        try {
            Path built = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = built.getParent() == null ? null : built.getParent().getParent();
            root = root == null ? null : root.getParent();
            if (root == null) {
                return List.of();
            }
            Path ubd = root.resolve("bin").resolve("ubd");
            return java.nio.file.Files.isExecutable(ubd) ? List.of(ubd.toString()) : List.of();
        } catch (java.net.URISyntaxException | SecurityException | IllegalArgumentException e) {
            return List.of();
        }
    }

    /**
     * {@code --rounds}: each round runs every system on every trace and VM count, minutes in all; a
     * thousand is days of machine time already, so a larger count is a typo, not a plan.
     */
    static final class Rounds implements CommandLine.ITypeConverter<Integer> {
        static final int MAX = 1000;

        @Override
        public Integer convert(String value) {
            int n = new Numbers.Count().convert(value);
            if (n > MAX) {
                throw new CommandLine.TypeConversionException("'" + value + "' rounds is more than " + MAX
                        + " (each round runs every system on every trace and VM count)");
            }
            return n;
        }
    }
}
