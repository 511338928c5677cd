package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.device.FaultInjectingDevice;
import org.ubdjava.harness.replay.HtmlReport;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.replay.ReplayOptions.Shift;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.replay.Shard;
import org.ubdjava.harness.shard.ShardAssignment;
import org.ubdjava.harness.shard.ShardOutput;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a block trace on N VMs sharing one backing file, verifying every read.", "",
                "VM i uses SPEC's COW file with -i inserted before the extension (vm.cow: vm-0.cow, vm-1.cow ...).",
                "Given several --trace files, VM i replays trace i mod T (one trace per VM: as many traces as VMs).",
                "Every write stores data stamped with (vm, request, sector); every read is checked against a model",
                "of what the VM wrote. Afterwards: the backing file must be unchanged, each COW bitmap must hold",
                "exactly the sectors written or discarded, and sample COW files are merged and compared.",
                "Before writing anything, the replay refuses to start when the COW files cannot fit on their file system.",
                "Exit 0: PASSED (verdict \"passed\"); 1: FAILED (a mismatch, an I/O error, a failed check) or INCOMPLETE",
                "(records not replayed, see --allow-skipped), stderr says which, one line each.", "",
                "More than one machine: a run cut into N shards, one process each (--shard K/N, or a Slurm array task or a",
                "Kubernetes Indexed Job pod: see --shard), each with its own --out DIR; then `ubd report merge DIR...` makes",
                "the whole run's report. deploy/ (in the repository) runs it under Slurm and Kubernetes."})
public final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--trace", required = true, paramLabel = "FILE",
            description = "The trace to replay; repeat for several (VM i replays trace i mod T).")
    List<Path> traces;

    @Option(names = "--format", paramLabel = "F", description = "Trace format: ${COMPLETION-CANDIDATES}; detected when absent.",
            converter = FormatConverter.class, completionCandidates = FormatConverter.Names.class)
    TraceFormat format;

    @Option(names = "--vms", paramLabel = "N", defaultValue = "1", converter = Numbers.Count.class, description = "Number of VMs (default ${DEFAULT-VALUE}).")
    int vms;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "Write report.json, report.html and charts here.")
    Path out;

    @Option(names = "--max-inflight", paramLabel = "K", defaultValue = "16", converter = Numbers.Count.class, description = "Requests each VM keeps outstanding (default ${DEFAULT-VALUE}).")
    int maxInflight;

    @Option(names = "--pace", paramLabel = "X", defaultValue = "0", converter = Numbers.Pace.class,
            description = "0: as fast as possible (default); X from 0.000001 to 1000000: follow the trace's timestamps, X times faster than recorded.")
    double pace;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seeds the data written and the random shifts (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shift-space", description = "Rotate VM i's offsets by i * device / N so VMs touch different regions.")
    boolean shiftSpace;

    @Option(names = "--shift-time",
            description = "Start VM i at i/N of the trace's duration (by record when it has no timestamps); each VM wraps "
                    + "around and still replays every record once, so VMs are at different points of the trace at once.")
    boolean shiftTime;

    @Option(names = "--random-shifts",
            description = "Draw each VM's shifts (those asked for) from its own seed, derived from --seed and its index, instead of spacing them evenly.")
    boolean randomShifts;

    @Option(names = "--at-once", paramLabel = "K", defaultValue = "0", converter = Numbers.CountOrZero.class,
            description = "Run at most K VMs at a time (default: all). A finished VM's COW file is checked at once and then "
                    + "deleted, so disk use stays at K VMs' worth (files the --oracle reads are kept until it has).")
    int atOnce;

    @Option(names = "--preallocate", paramLabel = "HOW", defaultValue = "off", converter = PreallocationConverter.class,
            description = "off: sparse COW files, as the kernel makes them (default); falloc: every block of each COW file "
                    + "reserved (fallocate) when it is made, so a first write costs an overwrite, as in fio's full copies; "
                    + "disk use is then the whole device per VM.")
    Preallocation preallocation;

    @Option(names = "--alloc-unit", paramLabel = "SIZE", defaultValue = "1M", converter = AllocationUnitConverter.class,
            description = "How a sparse COW file grows while its VM runs: the first write into each SIZE of the file reserves "
                    + "all of it (fallocate), so later first writes there skip the file system's block allocation; when the "
                    + "VM's disk closes, reserved runs of 64 KiB or more that no write used are given back (shorter gaps "
                    + "stay: a random 4 KiB writer's file can end at the units it touched, a sequential writer's at what it "
                    + "wrote). Default ${DEFAULT-VALUE}; 0: block by block, as the kernel's files grow; else a power of two of "
                    + "at least 4K. Never on tmpfs.")
    long allocationUnit;

    @Option(names = "--allow-skipped",
            description = "Pass a run that left out records of its traces lying wholly or partly outside the device (its "
                    + "backing file is smaller than the disk the trace was recorded on). Without it such a run is INCOMPLETE "
                    + "and exits 1 whatever the share left out: even one such record means the trace's I/O was not replayed "
                    + "as recorded. A trace with no record on the device is INCOMPLETE either way: nothing was verified.")
    boolean allowSkipped;

    @Option(names = "--force", description = "Replace COW files left by an earlier run.")
    boolean force;

    @Option(names = "--merge-check", paramLabel = "N", defaultValue = "2", converter = Numbers.CountOrZero.class, description = "VMs whose COW file is merged and compared in full (default ${DEFAULT-VALUE}).")
    int mergeChecks;

    @Option(names = "--limit", paramLabel = "N", converter = Numbers.Records.class, description = "Replay only the first N I/O records of each trace.")
    long limit = Long.MAX_VALUE;

    @Option(names = "--oracle", paramLabel = "N", defaultValue = "0", converter = Numbers.CountOrZero.class,
            description = "Also have the real UML kernel (linux.uml) read N sampled VMs' COW files, every page they wrote, "
                    + "and check its reading against the model (default ${DEFAULT-VALUE}: off; at most --vms). Fails when the kernel cannot run.")
    int oracle;

    @Option(names = "--warm-up", paramLabel = "MS", defaultValue = "" + Replay.DEFAULT_WARM_UP_MILLIS, converter = Numbers.CountOrZero.class,
            description = "First run the request path on a scratch device (a small COW file in a hidden directory beside "
                    + "the run's, deleted before the run) until it stops getting faster, for at most MS milliseconds, so a "
                    + "fresh JVM's first requests run compiled code (default ${DEFAULT-VALUE}; 0: start cold). elapsed_s "
                    + "includes it, io_s and io_iops do not; the report says how long it took.")
    int warmUpMillis;

    @Option(names = "--inject", paramLabel = "FAULT", converter = FaultConverter.class,
            description = "Test the checks: drop-writes:N (every Nth write of a disk reports success but writes nothing) "
                    + "or stale-reads:N (every Nth read returns a changed byte).")
    FaultInjectingDevice.Fault fault;

    @Option(names = "--shard", paramLabel = "K/N", converter = ShardConverter.class,
            description = "Replay only shard K of N of the run: the VMs i with i mod N = K, each exactly as the whole run "
                    + "replays it (its number, trace, shifts, data and COW file name: vm-i.cow), so N processes, on one "
                    + "host or many, together do the whole run. Without it, K comes from SLURM_ARRAY_TASK_ID, else "
                    + "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), and N from --shards, else SLURM_ARRAY_TASK_COUNT; "
                    + "with none of these the process is the whole run. --vms, --merge-check and --oracle keep their "
                    + "meaning for the whole fleet except that the checks sample this shard's VMs; --at-once counts "
                    + "this shard's. With --out DIR the shard writes there its report, its latency histograms "
                    + "(HdrHistogram log), its I/O's wall-clock window, its host and the run's identity (traces and "
                    + "backing file by SHA-256, SPEC, N, options), for `ubd report merge`.")
    Shard shard;

    @Option(names = "--shards", paramLabel = "N", converter = Numbers.Count.class,
            description = "The number of shards, with the shard's index from the scheduler (JOB_COMPLETION_INDEX, or "
                    + "SLURM_ARRAY_TASK_ID when the array is not the whole run: a lost shard run again alone).")
    Integer shards;

    @Option(names = "--start-at", paramLabel = "EPOCH_MS", converter = Numbers.EpochMillis.class,
            description = "Start the clock at this wall-clock instant (milliseconds since 1970, as `date +%%s%%3N` prints), "
                    + "once ready, so that shards on many hosts run together; an instant already past starts at once and "
                    + "the report says by how much (late_ms). The merge reports how far apart the shards' I/O started.")
    Long startAt;

    @Parameters(paramLabel = "SPEC", description = "ubd<N>[flags]=COW,BACKING")
    String device;

    /** Where the scheduler's variables are read: the process's environment (a test gives its own). */
    Map<String, String> env = System.getenv();

    @Override
    public Integer call() throws IOException {
        requireHeap(spec, vms, maxInflight);
        if (randomShifts && !shiftTime && !shiftSpace) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--random-shifts needs --shift-time or --shift-space (what to draw)");
        }
        if (traces.size() > vms) {
            throw new CommandLine.ParameterException(spec.commandLine(), traces.size() + " traces for " + vms + " VMs: some would not be replayed");
        }
        if (oracle > vms) {
            // the oracle samples the run's VMs: a count past them is a typo, and an absurd one would be taken silently
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--oracle " + oracle + ": more VMs for the kernel to read than the run has (--vms " + vms + ")");
        }
        Shard part;
        try {
            part = ShardAssignment.resolve(shard, shards, env);
        } catch (ShardAssignment.Invalid e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (part != null && part.count() > vms) {
            throw new CommandLine.ParameterException(spec.commandLine(), "shard " + part + ": more shards than VMs (--vms " + vms
                    + "): shard " + (part.count() - 1) + " would have none");
        }
        UbdDeviceConfig base = SpecDevice.parse(spec, device);
        CommandLines.requireOutDirectory(out, "--out");
        requireCowDirectory(base);
        List<Supplier<TraceReader>> readers = new ArrayList<>();
        for (Path trace : traces) {
            readers.add(() -> format == null ? TraceReaders.open(trace) : TraceReaders.open(trace, format));
        }
        Shift how = randomShifts ? Shift.RANDOM : Shift.EVEN;
        ReplayOptions o = ReplayOptions.builder(readers, device).vms(vms).maxInflight(maxInflight).pace(pace).seed(seed)
                .shifts(shiftTime ? how : Shift.NONE, shiftSpace ? how : Shift.NONE).atOnce(atOnce).force(force)
                .mergeChecks(mergeChecks).limit(limit).fault(fault).out(out).oracle(oracle).preallocation(preallocation)
                .allocationUnit(allocationUnit).allowSkipped(allowSkipped).shard(part).startAt(startAt == null ? 0 : startAt).build();
        if (part == null || out == null) {
            return report(spec, Replay.run(o, warmUpMillis, backing -> { }), json, out);
        }
        ShardOutput shardOut = ShardOutput.open(out, traces, format, o);
        ReplayResult r;
        try {
            r = Replay.run(o, warmUpMillis, shardOut);
        } catch (IOException | RuntimeException e) {
            // the merge names this shard failed, with why, rather than merely unfinished
            shardOut.failed(e);
            throw e;
        }
        int exit = report(spec, r, json, out);
        shardOut.finished(r);
        return exit;
    }

    /**
     * Refuses COW files in a directory that does not exist: a replay makes no directory the user
     * did not name (--out is one it was asked to make), and a mistyped path must not leave one.
     */
    private static void requireCowDirectory(UbdDeviceConfig base) {
        Path dir = Path.of(base.file()).toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new UbdException(dir + (Files.exists(dir) ? ": not a directory, so no place for the COW files"
                    : ": no such directory for the COW files (a replay makes no directory but --out)"));
        }
    }

    /**
     * Refuses {@code vms} VMs of {@code maxInflight} requests each when even their floor
     * ({@link ReplayOptions#heapFloor}) cannot fit in the heap: before any file is looked at.
     */
    static void requireHeap(CommandSpec spec, int vms, int maxInflight) {
        long heap = HeapBudget.heap();
        long vmsFit = (long) (heap / ReplayOptions.heapFloor(1, maxInflight));
        long slotsFit = Math.max(0, (heap / vms - ReplayOptions.HEAP_PER_VM) / ReplayOptions.HEAP_PER_SLOT);
        HeapBudget.require(spec, "--vms " + vms + " with --max-inflight " + maxInflight, ReplayOptions.heapFloor(vms, maxInflight),
                String.format(java.util.Locale.ROOT, "room for at most %,d VMs of %d requests in flight", vmsFit, maxInflight)
                        + (slotsFit < 1 ? "" : String.format(java.util.Locale.ROOT, ", or %,d requests in flight for %d VMs", slotsFit, vms)));
    }

    /** Prints the result (summary or JSON on stdout, problems on stderr), writes --out, and gives the exit code. */
    static int report(CommandSpec spec, ReplayResult r, boolean json, Path out) throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        stdout.print(json ? Json.write(r) + "\n" : r.summary());
        stdout.flush();
        for (String line : r.problems()) {
            err.println(line);
        }
        if (r.problemsNotPrinted() > 0) {
            err.println("... and " + r.problemsNotPrinted() + " more problems");
        }
        err.flush();
        if (out != null) {
            HtmlReport.write(r, out);
        }
        return r.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** {@code --inject}: a fault and its period, a wrong one a command-line error naming the option. */
    public static final class FaultConverter implements CommandLine.ITypeConverter<FaultInjectingDevice.Fault> {
        @Override
        public FaultInjectingDevice.Fault convert(String value) {
            try {
                return FaultInjectingDevice.Fault.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "': " + e.getMessage());
            }
        }
    }

    /** {@code --shard}: K/N, a wrong one a command-line error naming the option. */
    public static final class ShardConverter implements CommandLine.ITypeConverter<Shard> {
        @Override
        public Shard convert(String value) {
            try {
                return Shard.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code --format}: a trace format by name, a wrong one a command-line error. */
    public static final class FormatConverter implements CommandLine.ITypeConverter<TraceFormat> {
        /** The names --help lists: the ones the converter takes (in any case). */
        public static final class Names implements Iterable<String> {
            @Override
            public java.util.Iterator<String> iterator() {
                return java.util.Arrays.stream(TraceFormat.values()).map(TraceFormat::cliName).iterator();
            }
        }

        @Override
        public TraceFormat convert(String value) {
            try {
                return TraceFormat.fromName(value);
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
