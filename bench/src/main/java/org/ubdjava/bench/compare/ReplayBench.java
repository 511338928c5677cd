package org.ubdjava.bench.compare;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.realtools.Processes;
import org.ubdjava.realtools.UmlKernel;
import org.ubdjava.harness.cachesim.ShippedTraces;
import org.ubdjava.core.io.DemoImage;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;
import org.ubdjava.harness.trace.TraceRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The main job side by side, in one run: for each trace and VM count, {@code ubd replay} (every
 * read verified) against fio's own replay of the same trace ({@code --read_iolog},
 * {@code --replay_no_stall=1}, psync, one job per VM, each job on its own plain copy of the backing
 * file through {@code --replay_redirect}: fio cannot share one file between jobs the way VMs share a
 * backing file, nor check what a read returned), and at one VM the real UML driver replaying it with
 * fio in the guest. Both sides read a warm host page cache ({@code --invalidate=0}: the backing and
 * its copies were just written), from the same file system. Our IOPS are over the time from the
 * first request submitted to the last completed, as fio's runtime is: neither counts its set-up.
 */
public final class ReplayBench {
    /** The traces that ship (recorded with fio, see traces/README.md in the resources). */
    public static final List<String> SHIPPED = List.of("randread-4k.iolog", "randrw-4k.iolog");
    /** The device the shipped traces were recorded on. */
    static final long IMAGE_BYTES = 64L << 20;
    /** Requests each VM of our replay keeps in flight (replay's default). */
    public static final int MAX_INFLIGHT = 16;
    /** The readers of the mix: 4 KiB random reads. */
    public static final String MIX_READ_TRACE = "randread-4k.iolog";
    /** The writers of the mix: 64 KiB random writes, a sync every 16 (traces/README.md). */
    public static final String MIX_WRITE_TRACE = "syncwrite-64k.iolog";
    /** VMs of each side of the mix: 8 readers beside 8 writers, as issue 23 measured them. */
    static final int MIX_VMS_EACH = 8;
    /** The fresh-JVM case's trace: a short replay, what a user tries first. */
    static final String SHORT_READ_TRACE = "randread-4k-16k-requests.iolog";
    static final int SHORT_READ_REQUESTS = 16_384;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final PrintWriter err;
    private final int rounds;
    private final List<String> ubd;

    /** @param rounds how many times each system runs each cell (the report gives the median) */
    public ReplayBench(Path dir, PrintWriter err, int rounds) {
        this(dir, err, rounds, List.of());
    }

    /**
     * @param ubd the command that starts {@code ubd} as a user starts it (the launcher), for the
     *            fresh-JVM case; empty: that case is skipped, with a line saying so
     */
    public ReplayBench(Path dir, PrintWriter err, int rounds, List<String> ubd) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        this.dir = dir;
        this.err = err;
        this.rounds = rounds;
        this.ubd = List.copyOf(ubd);
    }

    /**
     * @param traces trace files; empty: the shipped ones
     * @param vmCounts VM counts to run each trace with
     */
    public ReplayBenchReport run(List<Path> traces, List<Integer> vmCounts) throws IOException {
        // the user's traces are read through first: one that cannot be read, or is of no known
        // format, is refused before the bench's directory and its backing file are made
        Map<Path, TraceFacts> facts = new HashMap<>();
        for (Path t : traces) {
            facts.put(t, TraceFacts.of(t));
        }
        Files.createDirectories(dir);
        List<Path> files = traces.isEmpty() ? shipped() : traces;
        for (Path t : files) {
            facts.computeIfAbsent(t, TraceFacts::of);
        }
        // the cases beyond the table run on the traces that ship, beside the shipped traces' rows
        boolean cases = traces.isEmpty();
        Path mixWriter = null;
        Path shortRead = null;
        if (cases) {
            mixWriter = ShippedTraces.extract(MIX_WRITE_TRACE, dir);
            shortRead = writeShortReadTrace(dir.resolve(SHORT_READ_TRACE));
            facts.put(mixWriter, TraceFacts.of(mixWriter));
            facts.put(shortRead, TraceFacts.of(shortRead));
        }
        Path backing = dir.resolve("backing.img");
        long size = IMAGE_BYTES;
        for (TraceFacts f : facts.values()) {
            size = Math.max(size, f.extent());
        }
        size = (size + (1 << 20) - 1) & -(1L << 20);
        if (!Files.exists(backing) || Files.size(backing) != size) {
            Files.deleteIfExists(backing);
            DemoImage.create(backing, size, 1, 7); // data everywhere: every read the backing serves is compared
        }
        Optional<Path> fio = Processes.onPath("fio");
        if (fio.isEmpty()) {
            err.println("*** fio not installed: the fio rows are skipped (apt-get install -y fio)");
        }
        Optional<UmlKernel> kernel = UmlKernel.get();
        if (kernel.isEmpty()) {
            err.println("*** real UML driver rows skipped: " + UmlKernel.whyUnavailable());
        }
        // a Java replay runs interpreted, then compiled, for its first million requests or so,
        // where fio is machine code from the start: warm up on every trace, untimed, as JMH's
        // warm-up iterations do
        err.println("replay bench: warming up (not measured)");
        err.flush();
        int warmVms = Math.min(16, vmCounts.stream().mapToInt(Integer::intValue).max().orElse(1));
        // (a replay's IOPS still rise over its first five or so runs in one JVM: four per trace)
        for (Path trace : files) {
            for (int i = 0; i < 4; i++) {
                ours(trace, backing, warmVms, i % 2 == 0 || !facts.get(trace).writes() ? ReplayBenchReport.System.UBD_REPLAY
                        : ReplayBenchReport.System.UBD_REPLAY_BLOCKWISE);
            }
        }
        List<ReplayBenchReport.Row> rows = new ArrayList<>();
        for (Path trace : files) {
            boolean iolog = facts.get(trace).iolog();
            if (fio.isPresent() && !iolog) {
                err.println("*** " + trace + ": not a fio iolog, so fio cannot replay it: only our rows");
            }
            String name = trace.getFileName().toString();
            List<Cell> runs = new ArrayList<>();
            runs.add(vms -> ours(trace, backing, vms, ReplayBenchReport.System.UBD_REPLAY));
            if (facts.get(trace).writes()) {
                // how the COW files grow only matters where something writes
                runs.add(vms -> ours(trace, backing, vms, ReplayBenchReport.System.UBD_REPLAY_BLOCKWISE));
                runs.add(vms -> ours(trace, backing, vms, ReplayBenchReport.System.UBD_REPLAY_PREALLOCATED));
            }
            if (fio.isPresent() && iolog) {
                runs.add(vms -> fio(fio.get(), trace, backing, vms));
            }
            for (int vms : vmCounts) {
                err.println("replay bench: " + name + ", " + vms + " VM(s), " + rounds + " round(s)");
                err.flush();
                rows.addAll(rounds(runs, vms));
                if (vms == 1 && kernel.isPresent() && fio.isPresent() && iolog) {
                    try {
                        rows.add(uml(kernel.get(), fio.get(), trace, backing));
                    } catch (UbdException e) {
                        err.println("*** real UML ubd row skipped: " + e.getMessage());
                    }
                }
            }
        }
        if (!cases) {
            return new ReplayBenchReport(rows);
        }
        Path mixReader = files.get(SHIPPED.indexOf(MIX_READ_TRACE));
        List<ReplayCases.Mix> mix = mix(mixReader, mixWriter, backing, fio, MIX_VMS_EACH);
        List<ReplayCases.FreshJvm> fresh = freshJvm(shortRead, backing, fio, kernel);
        return new ReplayBenchReport(rows, new ReplayCases(mix, fresh));
    }

    /** One side of a run: one trace's VMs (fio: jobs), their requests and their own window. */
    record TraceSide(long requests, double seconds, boolean verified) {
        double iops() {
            return requests / seconds;
        }
    }

    /**
     * Readers beside syncing writers, {@code n} VMs of each: in each round, ours and fio's, the
     * readers alone and in the mix, the four runs in a rotating order.
     */
    List<ReplayCases.Mix> mix(Path reader, Path writer, Path backing, Optional<Path> fio, int n) throws IOException {
        Files.createDirectories(dir);
        err.println("replay bench: readers beside syncing writers, " + n + " + " + n + " VMs, " + rounds + " round(s)");
        err.flush();
        List<Path> both = List.of(reader, writer);
        // the writers' path (64 KiB writes, flushes on the offload pool) has not run in this JVM yet
        oursPerTrace(both, backing, 2 * n);
        List<SideRun> runs = new ArrayList<>();
        runs.add(() -> oursPerTrace(List.of(reader), backing, n));
        runs.add(() -> oursPerTrace(both, backing, 2 * n));
        if (fio.isPresent()) {
            runs.add(() -> fioPerTrace(fio.get(), List.of(reader), backing, n));
            runs.add(() -> fioPerTrace(fio.get(), both, backing, 2 * n));
        }
        List<ReplayCases.MixRound> ours = new ArrayList<>();
        List<ReplayCases.MixRound> theirs = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            List<List<TraceSide>> got = new ArrayList<>(Collections.nCopies(runs.size(), null));
            for (int k = 0; k < runs.size(); k++) {
                int i = (k + round) % runs.size();
                got.set(i, runs.get(i).run());
            }
            ours.add(mixRound(got.get(0), got.get(1)));
            if (fio.isPresent()) {
                theirs.add(mixRound(got.get(2), got.get(3)));
            }
        }
        String r = reader.getFileName().toString();
        String w = writer.getFileName().toString();
        List<ReplayCases.Mix> out = new ArrayList<>();
        out.add(new ReplayCases.Mix(ReplayBenchReport.System.UBD_REPLAY, r, w, n, n, ours));
        if (fio.isPresent()) {
            out.add(new ReplayCases.Mix(ReplayBenchReport.System.FIO_REPLAY, r, w, n, n, theirs));
        }
        return out;
    }

    /** One run of the mix's four, each side per trace in the order given. */
    @FunctionalInterface
    private interface SideRun {
        List<TraceSide> run() throws IOException;
    }

    static ReplayCases.MixRound mixRound(List<TraceSide> alone, List<TraceSide> mixed) {
        TraceSide readers = mixed.get(0);
        TraceSide writers = mixed.get(1);
        return new ReplayCases.MixRound(alone.get(0).iops(), readers.iops(), writers.iops(), readers.seconds(), writers.seconds(),
                alone.get(0).verified() && readers.verified() && writers.verified());
    }

    /**
     * A fresh JVM's short replay: in each round, {@code ubd replay --vms 1} started as its own
     * process by the launcher (its archive and its own warm-up, nothing else), the same replay in
     * this warm JVM, fio's replay and the real UML driver's fio in a guest, in a rotating order.
     */
    List<ReplayCases.FreshJvm> freshJvm(Path trace, Path backing, Optional<Path> fio, Optional<UmlKernel> kernel)
            throws IOException {
        if (ubd.isEmpty()) {
            err.println("*** fresh JVM case skipped: no launcher to start ubd with (bin/ubd runs it)");
            return List.of();
        }
        Files.createDirectories(dir);
        err.println("replay bench: a fresh JVM's short replay (" + SHORT_READ_REQUESTS + " requests, 1 VM), " + rounds + " round(s)");
        err.flush();
        List<ReplayCases.FreshRound> out = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            double[] got = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
            FreshRun[] fresh = new FreshRun[1];
            boolean[] warmVerified = {true};
            List<IoRun> runs = new ArrayList<>();
            runs.add(() -> {
                fresh[0] = freshReplay(trace, backing);
                got[0] = fresh[0].ioIops();
            });
            runs.add(() -> {
                ReplayBenchReport.Row r = ours(trace, backing, 1, ReplayBenchReport.System.UBD_REPLAY);
                got[1] = r.iops();
                warmVerified[0] = r.verified();
            });
            if (fio.isPresent()) {
                runs.add(() -> got[2] = fio(fio.get(), trace, backing, 1).iops());
                if (kernel.isPresent()) {
                    runs.add(() -> {
                        try {
                            got[3] = uml(kernel.get(), fio.get(), trace, backing).iops();
                        } catch (UbdException e) {
                            err.println("*** real UML ubd run skipped: " + e.getMessage());
                        }
                    });
                }
            }
            for (int k = 0; k < runs.size(); k++) {
                runs.get((k + round) % runs.size()).run();
            }
            out.add(new ReplayCases.FreshRound(got[0], fresh[0].warmUpS(), fresh[0].wallS(), got[1], got[2], got[3],
                    fresh[0].passed() && warmVerified[0]));
        }
        return List.of(new ReplayCases.FreshJvm(trace.getFileName().toString(), SHORT_READ_REQUESTS, out));
    }

    @FunctionalInterface
    private interface IoRun {
        void run() throws IOException;
    }

    /** What a fresh {@code ubd replay} process reported: its io_iops, its warm-up, its wall time start to exit. */
    record FreshRun(double ioIops, double warmUpS, double wallS, boolean passed) {
    }

    private FreshRun freshReplay(Path trace, Path backing) throws IOException {
        Path cows = dir.resolve("fresh");
        Cleanup.deleteTree(cows);
        Files.createDirectories(cows);
        List<String> command = new ArrayList<>(ubd);
        command.addAll(List.of("replay", "--vms", "1", "--json", "--force", "--trace", trace.toString(),
                "ubd0=" + cows.resolve("vm.cow") + "," + backing));
        try {
            long start = System.nanoTime();
            // the launcher would rebuild a jar older than its sources: the bench measures the jar it runs
            Processes.Result r = Processes.run(dir, command, 600, Map.of("UBD_NO_BUILD", "1"));
            double wall = (System.nanoTime() - start) / 1e9;
            return freshRun(r, wall);
        } finally {
            Cleanup.deleteTree(cows);
        }
    }

    /** A fresh replay's JSON; exit 0 (passed) or 1 (a check failed) both carry it, anything else is a failure. */
    static FreshRun freshRun(Processes.Result r, double wallS) throws IOException {
        if (r.exit() != 0 && r.exit() != 1 || r.out().indexOf('{') < 0) {
            throw new UbdException("ubd replay in a fresh JVM failed (exit " + r.exit() + "): " + firstLine(r.err().isBlank() ? r.out() : r.err()));
        }
        JsonNode j = JSON.readTree(r.out().substring(r.out().indexOf('{')));
        double iops = j.path("io_iops").asDouble(Double.NaN);
        if (!(iops > 0)) {
            throw new UbdException("ubd replay in a fresh JVM reported no io_iops: " + firstLine(r.out()));
        }
        return new FreshRun(iops, j.path("warm_up_s").asDouble(0), wallS, j.path("passed").asBoolean(false));
    }

    /**
     * The short read trace of the fresh-JVM case: {@value #SHORT_READ_REQUESTS} random 4 KiB reads
     * over the shipped traces' 64 MiB device, fio iolog v2, the same every time (seeded).
     */
    static Path writeShortReadTrace(Path file) throws IOException {
        Random r = new Random(1);
        StringBuilder b = new StringBuilder("fio version 2 iolog\nubda add\nubda open\n");
        int blocks = (int) (IMAGE_BYTES / 4096);
        for (int i = 0; i < SHORT_READ_REQUESTS; i++) {
            b.append("ubda read ").append((long) r.nextInt(blocks) * 4096).append(" 4096\n");
        }
        b.append("ubda close\n");
        Files.writeString(file, b);
        return file;
    }

    /** One system's run of a trace at a VM count. */
    @FunctionalInterface
    private interface Cell {
        ReplayBenchReport.Row run(int vms) throws IOException;
    }

    /**
     * Every system {@link #rounds} times, each round in another order (the machine's state drifts:
     * no system always runs first), each system's median round as its row.
     */
    private List<ReplayBenchReport.Row> rounds(List<Cell> runs, int vms) throws IOException {
        List<List<ReplayBenchReport.Row>> per = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            per.add(new ArrayList<>());
        }
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < runs.size(); k++) {
                int i = (k + round) % runs.size();
                per.get(i).add(runs.get(i).run(vms));
            }
        }
        List<ReplayBenchReport.Row> out = new ArrayList<>();
        for (List<ReplayBenchReport.Row> r : per) {
            out.add(ReplayBenchReport.Row.medianOf(r));
        }
        return out;
    }

    /**
     * What the bench needs to know of a trace, from one pass over it.
     *
     * @param extent the end of the highest byte it touches: the device it needs
     * @param iolog  whether it is a fio iolog (else fio cannot replay it)
     * @param writes whether it writes at all (else a preallocated COW file changes nothing)
     */
    private record TraceFacts(long extent, boolean iolog, boolean writes) {
        static TraceFacts of(Path trace) {
            long end = 0;
            boolean writes = false;
            try (TraceReader r = TraceReaders.open(trace)) {
                TraceRecord.Mutable rec = new TraceRecord.Mutable();
                while (r.next(rec)) {
                    end = Math.max(end, rec.offset() + rec.length());
                    writes |= rec.op() == TraceOp.WRITE;
                }
                return new TraceFacts(end, r.format() == TraceFormat.FIO_IOLOG, writes);
            }
        }
    }

    private List<Path> shipped() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String name : SHIPPED) {
            out.add(ShippedTraces.extract(name, dir));
        }
        return out;
    }

    /** One of our rows: {@code system} says how the COW files are allocated (the default, block by block, or whole). */
    private ReplayBenchReport.Row ours(Path trace, Path backing, int vms, ReplayBenchReport.System system) throws IOException {
        Preallocation preallocation = system == ReplayBenchReport.System.UBD_REPLAY_PREALLOCATED ? Preallocation.FALLOC : Preallocation.OFF;
        long unit = system == ReplayBenchReport.System.UBD_REPLAY ? ReplayOptions.DEFAULT_ALLOCATION_UNIT : 0;
        Path cows = dir.resolve("cow");
        Cleanup.deleteTree(cows);
        // merge checks are not read verification, and would time the merge: off here; every read,
        // the bitmaps and the backing file are still checked
        ReplayOptions o = options(List.of(trace), cows, backing, vms).preallocation(preallocation).allocationUnit(unit).build();
        try {
            ReplayResult r = Replay.run(o);
            return new ReplayBenchReport.Row(trace.getFileName().toString(), vms, system,
                    r.requests(), r.ioIops(), r.ioMbPerS(), r.latencyUs().p50(), r.latencyUs().p99(), r.passed(), r.mismatches(),
                    r.verification().backingBytesRead());
        } finally {
            Cleanup.deleteTree(cows);
        }
    }

    private static ReplayOptions.Builder options(List<Path> traces, Path cows, Path backing, int vms) {
        List<Supplier<TraceReader>> readers = new ArrayList<>();
        for (Path t : traces) {
            readers.add(() -> TraceReaders.open(t));
        }
        return ReplayOptions.builder(readers, "ubd0=" + cows.resolve("vm.cow") + "," + backing)
                .vms(vms).maxInflight(MAX_INFLIGHT).force(true).mergeChecks(0);
    }

    /** Our replay of {@code traces} (VM i replays trace i mod T), the default COW files; each trace's VMs apart. */
    private List<TraceSide> oursPerTrace(List<Path> traces, Path backing, int vms) throws IOException {
        Path cows = dir.resolve("cow");
        Cleanup.deleteTree(cows);
        try {
            ReplayResult r = Replay.run(options(traces, cows, backing, vms).build());
            List<TraceSide> out = new ArrayList<>();
            for (ReplayResult.TraceIo t : r.perTrace()) {
                out.add(new TraceSide(t.requests(), t.requests() / t.ioIops(), r.passed()));
            }
            return out;
        } finally {
            Cleanup.deleteTree(cows);
        }
    }

    /** fio's replay of {@code traces} as {@link #fioReplay}, each trace's jobs apart. */
    private List<TraceSide> fioPerTrace(Path fio, List<Path> traces, Path backing, int vms) throws IOException {
        return fioPerTrace(fioRun(fio, traces, backing, vms, dir.resolve("fio"), false), traces.size());
    }

    /**
     * fio's JSON with a job entry per job (no group reporting), job {@code vm<j>} replaying trace
     * j mod {@code traceCount}: per trace, its jobs' requests (reads, writes and syncs) over the
     * longest of their runtimes (the jobs start together).
     */
    static List<TraceSide> fioPerTrace(String output, int traceCount) throws IOException {
        int from = output.indexOf('{');
        if (from < 0) {
            throw new UbdException("fio printed no JSON result: " + firstLine(output));
        }
        long[] requests = new long[traceCount];
        double[] seconds = new double[traceCount];
        for (JsonNode job : JSON.readTree(output.substring(from)).path("jobs")) {
            String name = job.path("jobname").asText();
            if (!name.startsWith("vm")) {
                throw new UbdException("fio's JSON has a job of another name: " + name);
            }
            int t = Integer.parseInt(name.substring(2)) % traceCount;
            requests[t] += job.path("read").path("total_ios").asLong() + job.path("write").path("total_ios").asLong()
                    + job.path("sync").path("total_ios").asLong();
            seconds[t] = Math.max(seconds[t], job.path("job_runtime").asDouble() / 1000.0);
        }
        List<TraceSide> out = new ArrayList<>();
        for (int t = 0; t < traceCount; t++) {
            if (requests[t] == 0 || seconds[t] <= 0) {
                throw new UbdException("fio replayed nothing of trace " + t + " of " + traceCount + ": " + firstLine(output));
            }
            out.add(new TraceSide(requests[t], seconds[t], true));
        }
        return out;
    }

    private ReplayBenchReport.Row fio(Path fio, Path trace, Path backing, int vms) throws IOException {
        return fioReplay(fio, List.of(trace), backing, vms, dir.resolve("fio"));
    }

    /**
     * fio's own replay: {@code vms} jobs, job i replaying {@code traces} i mod T (as VM i does),
     * each on its own copy of {@code backing} in {@code work} (made, then removed).
     */
    public static ReplayBenchReport.Row fioReplay(Path fio, List<Path> traces, Path backing, int vms, Path work) throws IOException {
        return fioRow(traces.get(0).getFileName().toString(), vms, ReplayBenchReport.System.FIO_REPLAY,
                fioRun(fio, traces, backing, vms, work, true));
    }

    /** fio's replay as {@link #fioReplay}; {@code group}: one job entry for all jobs in its JSON, else one per job. */
    private static String fioRun(Path fio, List<Path> traces, Path backing, int vms, Path work, boolean group) throws IOException {
        Cleanup.deleteTree(work);
        Files.createDirectories(work);
        StringBuilder job = new StringBuilder("[global]\nioengine=psync\nreplay_no_stall=1\ninvalidate=0\n")
                .append(group ? "group_reporting=1\n" : "");
        for (int j = 0; j < vms; j++) {
            Path copy = work.resolve("copy" + j + ".img");
            // a full copy (Files.copy writes the holes out): fio's strongest set-up; one that kept the
            // holes would make fio's first writes allocate as a COW file's do (4x slower on ubd demo)
            Files.copy(backing, copy);
            job.append("[vm").append(j).append("]\nread_iolog=").append(traces.get(j % traces.size()).toAbsolutePath())
                    .append("\nreplay_redirect=").append(copy).append('\n');
        }
        Path jobFile = work.resolve("replay.fio");
        Files.writeString(jobFile, job);
        try {
            Processes.Result r = Processes.run(work, List.of(fio.toString(), "--output-format=json", jobFile.toString()), 600);
            if (r.exit() != 0) {
                throw new UbdException("fio's replay failed (exit " + r.exit() + "): " + firstLine(r.both()));
            }
            return r.out();
        } finally {
            Cleanup.deleteTree(work);
        }
    }

    private ReplayBenchReport.Row uml(UmlKernel kernel, Path fio, Path trace, Path backing) throws IOException {
        Path cow = dir.resolve("uml.cow");
        Files.deleteIfExists(cow);
        // the guest sees the host's files through hostfs, but not under /dev (its own): the trace goes to a temporary file
        Path guestTrace = Files.createTempFile("ubd-replay-bench-", ".iolog");
        Files.copy(trace, guestTrace, StandardCopyOption.REPLACE_EXISTING);
        String script = fio + " --name=vm0 --read_iolog=" + guestTrace + " --replay_redirect=/dev/ubda"
                + " --replay_no_stall=1 --ioengine=psync --direct=1 --invalidate=0 --output-format=json\n";
        try {
            UmlKernel.Result r = kernel.run(script, List.of("ubd0=" + cow + "," + backing), 600, "512M");
            return fioRow(trace.getFileName().toString(), 1, ReplayBenchReport.System.UML_UBD_FIO, r.out());
        } finally {
            Files.deleteIfExists(cow);
            Files.deleteIfExists(guestTrace);
        }
    }

    /** fio's JSON (group reporting: one job entry for all jobs), wherever it starts in what was printed. */
    static ReplayBenchReport.Row fioRow(String trace, int vms, ReplayBenchReport.System system, String output) throws IOException {
        int from = output.indexOf('{');
        int to = output.lastIndexOf('}');
        if (from < 0 || to < from) {
            throw new UbdException(system.label + " printed no JSON result: " + firstLine(output));
        }
        JsonNode job = JSON.readTree(output.substring(from, to + 1)).path("jobs").path(0);
        JsonNode read = job.path("read");
        JsonNode write = job.path("write");
        long ios = read.path("total_ios").asLong() + write.path("total_ios").asLong();
        // with group reporting, job_runtime adds up the jobs; each direction's runtime is the longest job's
        double seconds = Math.max(read.path("runtime").asDouble(), write.path("runtime").asDouble()) / 1000.0;
        if (ios == 0 || seconds <= 0) {
            throw new UbdException(system.label + " replayed nothing: " + firstLine(output));
        }
        long bytes = read.path("io_bytes").asLong() + write.path("io_bytes").asLong();
        // latency of the reads (the commoner op of these traces); fio keeps them apart
        JsonNode lat = (read.path("total_ios").asLong() >= write.path("total_ios").asLong() ? read : write)
                .path("clat_ns").path("percentile");
        return new ReplayBenchReport.Row(trace, vms, system, ios, ios / seconds, bytes / seconds / 1e6,
                lat.path("50.000000").asDouble() / 1e3, lat.path("99.000000").asDouble() / 1e3, true, 0, 0);
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

}
