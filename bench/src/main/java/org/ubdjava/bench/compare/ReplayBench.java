package org.ubdjava.bench.compare;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final PrintWriter err;
    private final int rounds;

    /** @param rounds how many times each system runs each cell (the report gives the median) */
    public ReplayBench(Path dir, PrintWriter err, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        this.dir = dir;
        this.err = err;
        this.rounds = rounds;
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
        return new ReplayBenchReport(rows);
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
        ReplayOptions o = ReplayOptions.builder(List.of(() -> TraceReaders.open(trace)), "ubd0=" + cows.resolve("vm.cow") + "," + backing)
                .vms(vms).maxInflight(MAX_INFLIGHT).force(true).mergeChecks(0).preallocation(preallocation).allocationUnit(unit).build();
        try {
            ReplayResult r = Replay.run(o);
            return new ReplayBenchReport.Row(trace.getFileName().toString(), vms, system,
                    r.requests(), r.ioIops(), r.ioMbPerS(), r.latencyUs().p50(), r.latencyUs().p99(), r.passed(), r.mismatches(),
                    r.verification().backingBytesRead());
        } finally {
            Cleanup.deleteTree(cows);
        }
    }

    private ReplayBenchReport.Row fio(Path fio, Path trace, Path backing, int vms) throws IOException {
        return fioReplay(fio, List.of(trace), backing, vms, dir.resolve("fio"));
    }

    /**
     * fio's own replay: {@code vms} jobs, job i replaying {@code traces} i mod T (as VM i does),
     * each on its own copy of {@code backing} in {@code work} (made, then removed).
     */
    public static ReplayBenchReport.Row fioReplay(Path fio, List<Path> traces, Path backing, int vms, Path work) throws IOException {
        Cleanup.deleteTree(work);
        Files.createDirectories(work);
        StringBuilder job = new StringBuilder("[global]\nioengine=psync\nreplay_no_stall=1\ninvalidate=0\ngroup_reporting=1\n");
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
            return fioRow(traces.get(0).getFileName().toString(), vms, ReplayBenchReport.System.FIO_REPLAY, r.out());
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
