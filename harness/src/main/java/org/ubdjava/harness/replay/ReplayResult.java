package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The outcome of a replay: figures, checks, and the problems found. {@link #passed()} decides the
 * exit code; {@link #verdict} says which way it went: {@value #PASSED}, {@value #FAILED} (a check
 * found a problem) or {@value #INCOMPLETE} (every check held, but records of a trace lie outside
 * the device and were not replayed as recorded, unless {@code --allow-skipped}, or a trace had
 * nothing to replay at all: a verdict over what was not replayed would vouch for what was not checked). The JSON report is this type as it stands (snake_case keys); fields that are only for
 * the charts are left out of it.
 *
 * @param iops         requests over elapsed_s: the whole run, VMs' start and their checks included
 * @param ioS          from the first request submitted to the last completed, all VMs (as fio's runtime)
 * @param ioIops       requests over io_s
 * @param ioMbPerS     bytes moved over io_s
 * @param verification what checking every read cost the backing file
 * @param oracle        null unless {@code --oracle} asked for the real kernel's reading
 * @param perTrace      how each trace's VMs fared, in the order the traces were given (one entry for one trace)
 * @param traces        the plan of each trace when there are several, else null
 * @param faultsInjected null unless {@code --inject} was given
 * @param notReplayed  I/O records, summed over the traces, that lie outside the device, wholly
 *                     (skipped) or partly (clipped): not replayed as recorded
 * @param warmUpS      seconds spent warming the request path on a scratch device before the run
 *                     (inside elapsed_s, outside io_s), or null when there was no warm-up
 * @param shard        what a shard of a run adds for the merge (its place, wall-clock windows and
 *                     totals), or null for a run not cut into shards; the figures above are then
 *                     its VMs' alone ({@code vms} counts them)
 * @param traceLatencyNanos the latency histogram of each trace's VMs, in the order of {@code per_trace}
 * @param vmNumbers    the run's number of each VM of {@code vmIops} and {@code cowUsage}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"verdict", "passed", "vms", "requests", "reads_verified", "mismatches", "errors", "backing_unchanged", "bitmaps_exact",
        "merge_checked", "merge_ok", "oracle", "elapsed_s", "retire_worker_s", "iops", "mb_per_s", "io_s", "io_iops", "io_mb_per_s", "latency_us", "per_vm_iops", "per_trace",
        "verification", "schedule", "trace", "traces", "skipped", "clipped", "not_replayed", "model", "disk_usage", "backing_sha256",
        "faults_injected", "problems", "problems_not_printed", "warm_up_s", "shard"})
public record ReplayResult(String verdict, boolean passed, int vms, long requests, long readsVerified, long mismatches, long errors,
                           boolean backingUnchanged, boolean bitmapsExact, int mergeChecked, int mergeOk, Oracle oracle,
                           double elapsedS, double retireWorkerS, double iops, double mbPerS, double ioS, double ioIops, double ioMbPerS,
                           Latency latencyUs,
                           Spread perVmIops, List<TraceIo> perTrace, Verification verification, Schedule schedule, TraceFigures trace,
                           List<PerTrace> traces, long skipped, long clipped, long notReplayed, Model model, DiskUsage diskUsage,
                           String backingSha256, Long faultsInjected, List<String> problems, long problemsNotPrinted,
                           @JsonIgnore Histogram latencyNanos, @JsonIgnore List<Timeline.Sample> samples,
                           @JsonIgnore double[] vmIops, @JsonIgnore long[] cowUsage, @JsonIgnore boolean allowSkipped,
                           Double warmUpS, Sharding shard, @JsonIgnore Histogram[] traceLatencyNanos,
                           @JsonIgnore int[] vmNumbers) {

    public static final String PASSED = "passed";
    public static final String FAILED = "failed";
    public static final String INCOMPLETE = "incomplete";

    /** Device latency, submit to completion, in microseconds. */
    public record Latency(double p50, double p99, double p999, double max) {
    }

    public record Spread(double min, double median, double max) {
    }

    /**
     * @param backingBytesRead backing bytes the read checks compared (in place, through a read-only
     *                         mapping of the backing file's data extents): never more than the VMs
     *                         read from it
     * @param backingExtents   data extents of the backing file (holes compare as zeros, unread)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Verification(long backingBytesRead, int backingExtents) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Oracle(int requested, int checked, int ok, String unavailable) {
    }

    /** @param allocUnit bytes by which the COW files grew while open (0: block by block, as preallocated files and files in tmpfs always do) */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Schedule(int traces, String shiftTime, String shiftSpace, int atOnce, int maxInflight, double pace,
                           String preallocation, long allocUnit) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TraceFigures(long recordsRead, long replayedPerVm, long skippedNotIo, long skippedEmpty,
                               long skippedOutsideDevice, long clipped, long widened) {
    }

    /**
     * One trace's VMs, measured apart from the others' so a workload can be seen beside another.
     *
     * @param trace     the trace as given
     * @param requests  its VMs' requests completed
     * @param ioIops    requests over its VMs' own window: from the first of them submitted to the last completed
     * @param latencyUs its VMs' device latency, submit to completion
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonPropertyOrder({"trace", "vms", "requests", "io_iops", "latency_us"})
    public record TraceIo(String trace, int vms, long requests, double ioIops, Latency latencyUs) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PerTrace(int vms, long recordsRead, long replayedPerVm, long writtenSectors) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Model(long writtenSectors, long modelBytes, double bytesPerWrittenSector, long planBytes) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DiskUsage(long bytesWrittenPerVm, long distinctBytesPerVm, long cowDiskUsageTotal, long cowDiskUsagePerVm,
                            boolean cowFilesKept) {
    }

    /**
     * A shard's part of a run, and what the merge of the shards needs beyond the figures every
     * report has: where its I/O lay on the wall clock (which the shards' hosts share, as their
     * monotonic clocks are not), and totals that per-VM averages would round away.
     *
     * @param index          this shard (its VMs are those whose number modulo {@code count} is it)
     * @param count          shards of the run
     * @param startAtEpochMs the common start this shard waited for (epoch milliseconds), or null
     * @param lateMs         by how much that start had passed when this shard was ready (0: it waited)
     * @param run            from its clock's start to its end (elapsed_s without the warm-up)
     * @param io             from its first request submitted to its last completed, or null when none completed
     * @param ioBytes        bytes its requests moved
     * @param writeBytes     bytes its VMs' traces write, all its VMs together
     * @param distinctBytes  distinct bytes its VMs' traces write, all its VMs together
     * @param perTrace       each trace's window alone, as {@code io} (null where its VMs here completed nothing)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"index", "count", "start_at_epoch_ms", "late_ms", "run", "io", "io_bytes", "write_bytes", "distinct_bytes",
        "per_trace"})
    public record Sharding(int index, int count, Long startAtEpochMs, long lateMs, Window run, Window io, long ioBytes, long writeBytes,
                           long distinctBytes, List<Window> perTrace) {
    }

    /** An interval of wall-clock time, in milliseconds since the epoch. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Window(long startEpochMs, long endEpochMs) {
    }

    /** What a finished run hands over to make the result: the figures are derived here. */
    record Inputs(ReplayOptions options, List<ReplayPlan> plans, Fleet fleet, Histogram[] traceLatency, long elapsedNanos,
                  MismatchLog log, boolean backingUnchanged, int merges, List<Timeline.Sample> samples,
                  BackingFingerprint backing, KernelOracle.Result oracle, Verification verification, Long faultsInjected,
                  long allocationUnit, long warmUpNanos, Replay.WallClock clock, long lateMillis) {
    }

    static ReplayResult of(Inputs in) {
        ReplayOptions o = in.options();
        Fleet fleet = in.fleet();
        MismatchLog log = in.log();
        long requests = 0;
        long bytes = 0;
        long readsVerified = 0;
        long errors = 0;
        int[] here = fleet.vms();
        double[] vmIops = new double[here.length];
        long firstSubmit = Long.MAX_VALUE;
        long lastDone = Long.MIN_VALUE;
        int traces = in.plans().size();
        long[] traceRequests = new long[traces];
        long[] traceFirstSubmit = new long[traces];
        long[] traceLastDone = new long[traces];
        Arrays.fill(traceFirstSubmit, Long.MAX_VALUE);
        Arrays.fill(traceLastDone, Long.MIN_VALUE);
        for (int j = 0; j < here.length; j++) {
            VmReplayer vm = fleet.replayers[here[j]];
            if (vm == null) {
                continue; // never started: a worker failed first
            }
            requests += vm.requests;
            bytes += vm.bytes;
            readsVerified += vm.readsVerified;
            errors += vm.errors;
            vmIops[j] = vm.requests / (Math.max(1, vm.lastDoneNanos - vm.firstSubmitNanos) / 1e9);
            int t = vm.schedule.trace;
            traceRequests[t] += vm.requests;
            if (vm.requests > 0) {
                firstSubmit = Math.min(firstSubmit, vm.firstSubmitNanos);
                lastDone = Math.max(lastDone, vm.lastDoneNanos);
                traceFirstSubmit[t] = Math.min(traceFirstSubmit[t], vm.firstSubmitNanos);
                traceLastDone[t] = Math.max(traceLastDone[t], vm.lastDoneNanos);
            }
        }
        double seconds = Math.max(in.elapsedNanos() + Math.max(0, in.warmUpNanos()), 1) / 1e9;
        double ioSeconds = ioSeconds(firstSubmit, lastDone, seconds);
        boolean bitmapsExact = true;
        long usageTotal = 0;
        long[] cowUsage = new long[here.length];
        for (int j = 0; j < here.length; j++) {
            bitmapsExact &= fleet.bitmapExact[here[j]];
            cowUsage[j] = fleet.cowUsage[here[j]];
            usageTotal += cowUsage[j];
        }
        int mergesOk = fleet.mergesOk();
        boolean checksHeld = log.mismatches() == 0 && log.problems() == 0 && in.backingUnchanged() && bitmapsExact
                && mergesOk == in.merges() && in.oracle().passed();
        List<String> incomplete = incomplete(in.plans(), o.allowSkipped());
        String verdict = !checksHeld ? FAILED : incomplete.isEmpty() ? PASSED : INCOMPLETE;
        List<String> problems = new ArrayList<>(incomplete);
        problems.addAll(log.lines());
        KernelOracle.Result k = in.oracle();
        Oracle oracle = k.requested() > 0 ? new Oracle(k.requested(), k.checked(), k.ok(), k.unavailable()) : null;
        Histogram h = IoTally.newLatencyHistogram();
        for (Histogram traceLatency : in.traceLatency()) {
            h.add(traceLatency);
        }
        Latency latency = latency(h);
        Spread spread = spreadOf(vmIops);
        Schedule schedule = new Schedule(in.plans().size(), o.shiftTime().name().toLowerCase(Locale.ROOT),
                o.shiftSpace().name().toLowerCase(Locale.ROOT), o.live(), o.maxInflight(), o.pace(), o.preallocation().label(),
                in.allocationUnit());
        TraceTotals t = TraceTotals.of(in.plans(), here);
        List<TraceIo> perTrace = new ArrayList<>(traces);
        for (int i = 0; i < traces; i++) {
            double window = ioSeconds(traceFirstSubmit[i], traceLastDone[i], seconds);
            perTrace.add(new TraceIo(in.plans().get(i).trace, t.perTrace.get(i).vms(), traceRequests[i],
                    round(traceRequests[i] / window), latency(in.traceLatency()[i])));
        }
        Sharding sharding = null;
        if (o.shard() != null) {
            Replay.WallClock c = in.clock();
            List<Window> traceWindows = new ArrayList<>(traces);
            for (int i = 0; i < traces; i++) {
                traceWindows.add(traceLastDone[i] > traceFirstSubmit[i]
                        ? new Window(c.epochMillis(traceFirstSubmit[i]), c.epochMillis(traceLastDone[i])) : null);
            }
            sharding = new Sharding(o.shard().index(), o.shard().count(), o.startAtEpochMs() == 0 ? null : o.startAtEpochMs(),
                    in.lateMillis(), new Window(c.epochMillis(), c.epochMillis(c.nanos() + in.elapsedNanos())), lastDone > firstSubmit ? new Window(c.epochMillis(firstSubmit), c.epochMillis(lastDone)) : null,
                    bytes, t.writeBytes, t.distinctBytes, traceWindows);
        }
        Histogram[] traceLatency = new Histogram[traces];
        for (int i = 0; i < traces; i++) {
            traceLatency[i] = in.traceLatency()[i].copy();
        }
        return new ReplayResult(verdict, verdict.equals(PASSED), here.length, requests, readsVerified, log.mismatches(), errors, in.backingUnchanged(),
                bitmapsExact, in.merges(), mergesOk, oracle, round(seconds), round(fleet.retireNanos() / 1e9),
                round(requests / seconds), round(bytes / seconds / 1e6), round3(ioSeconds), round(requests / ioSeconds), round(bytes / ioSeconds / 1e6), latency, spread, perTrace, in.verification(), schedule,
                t.figures, in.plans().size() > 1 ? t.perTrace : null, t.figures.skippedEmpty() + t.figures.skippedOutsideDevice(),
                t.figures.clipped(), t.notReplayed, t.model,
                new DiskUsage(t.writeBytesPerVm, t.distinctBytesPerVm, usageTotal, usageTotal / Math.max(1, here.length), !o.deletesCows()),
                in.backing().sha256(), in.faultsInjected(), problems, log.unprinted(), h, in.samples(), vmIops,
                cowUsage, o.allowSkipped(), in.warmUpNanos() < 0 ? null : round3(in.warmUpNanos() / 1e9), sharding, traceLatency, here);
    }

    /**
     * Why the run cannot pass although every check held, one line a trace: nothing to replay (never
     * accepted: nothing was verified), or records outside the device (accepted with --allow-skipped).
     * Any one record counts, not a share: a record outside the device means the backing file is not
     * the device the trace was recorded on, and what the trace did there was not replayed.
     */
    private static List<String> incomplete(List<ReplayPlan> plans, boolean allowSkipped) {
        List<String> out = new ArrayList<>();
        for (ReplayPlan p : plans) {
            long deviceBytes = p.deviceSectors * SECTOR;
            if (p.count == 0) {
                out.add("nothing was replayed: " + p.trace + " has no I/O record on the device, so nothing was verified");
            } else if (p.notReplayed() > 0 && !allowSkipped) {
                out.add(p.notReplayed() + " of " + p.traceRecords + " I/O records of " + p.trace + " lie "
                        + (p.clipped > 0 ? "wholly or partly " : "") + "outside the " + deviceBytes
                        + "-byte device and were not replayed as recorded (--allow-skipped accepts that)");
            }
        }
        return out;
    }

    /**
     * The per-trace figures added up over the VMs {@code here} (the run's numbers); per VM figures
     * average over them when they replay different traces.
     */
    private record TraceTotals(TraceFigures figures, List<PerTrace> perTrace, Model model, long writeBytesPerVm,
                               long distinctBytesPerVm, long notReplayed, long writeBytes, long distinctBytes) {
        static TraceTotals of(List<ReplayPlan> plans, int[] here) {
            int[] vmsOf = new int[plans.size()];
            for (int vm : here) {
                vmsOf[vm % plans.size()]++; // VM i replays trace i mod T
            }
            int allVms = Math.max(1, here.length);
            long records = 0;
            long skippedNonIo = 0;
            long skippedEmpty = 0;
            long skippedOutside = 0;
            long clipped = 0;
            long notReplayed = 0;
            long widened = 0;
            long modelSectors = 0;
            long modelBytes = 0;
            long planBytes = 0;
            long vmRecords = 0;
            long vmWriteBytes = 0;
            long vmDistinct = 0;
            List<PerTrace> perTrace = new ArrayList<>();
            for (int i = 0; i < plans.size(); i++) {
                ReplayPlan p = plans.get(i);
                int vms = vmsOf[i];
                records += p.traceRecords;
                skippedNonIo += p.skippedNonIo;
                skippedEmpty += p.skippedEmpty;
                skippedOutside += p.skippedOutside;
                clipped += p.clipped;
                notReplayed += p.notReplayed();
                widened += p.widened;
                modelSectors += p.model.sectors();
                modelBytes += p.model.tableBytes();
                planBytes += p.planBytes();
                vmRecords += (long) p.count * vms;
                vmWriteBytes += p.writeBytes * vms;
                vmDistinct += (long) p.model.sectors() * SECTOR * vms;
                perTrace.add(new PerTrace(vms, p.traceRecords, p.count, p.model.sectors()));
            }
            return new TraceTotals(
                    new TraceFigures(records, vmRecords / allVms, skippedNonIo, skippedEmpty, skippedOutside, clipped, widened),
                    perTrace, new Model(modelSectors, modelBytes, round((double) modelBytes / Math.max(1, modelSectors)), planBytes),
                    vmWriteBytes / allVms, vmDistinct / allVms, notReplayed, vmWriteBytes, vmDistinct);
        }
    }

    /** The terminal summary. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "replay %s: %s VMs, %s requests in %s s (%s s of worker time shutting down and checking VMs)%s%n",
                verdict.toUpperCase(Locale.ROOT), vms, requests, elapsedS, retireWorkerS,
                notReplayed == 0 ? "" : "; " + notReplayed + " I/O records outside the device not replayed"
                        + (allowSkipped ? " (--allow-skipped)" : "")));
        if (shard != null) {
            b.append(String.format(Locale.ROOT, "  shard %s of %s: the run's VMs i with i mod %s = %s%s%n", shard.index(), shard.count(),
                    shard.count(), shard.index(), shard.startAtEpochMs() == null ? ""
                            : shard.lateMs() == 0 ? ", started at " + shard.startAtEpochMs()
                            : ", started " + shard.lateMs() + " ms after " + shard.startAtEpochMs() + " (it was ready late)"));
        }
        if (warmUpS != null) {
            b.append(String.format(Locale.ROOT, "  of which %s s warming the request path on a scratch device before the first request (outside io_s)%n", warmUpS));
        }
        b.append(String.format(Locale.ROOT, "  %s trace(s); VMs shifted in time: %s, in space: %s; %s at once%n",
                schedule.traces(), schedule.shiftTime(), schedule.shiftSpace(), schedule.atOnce()));
        b.append(String.format(Locale.ROOT, "  reads verified %s, mismatched sectors %s, I/O errors %s%n", readsVerified, mismatches, errors));
        b.append(String.format(Locale.ROOT, "  backing unchanged %s, bitmaps exact %s, merges checked %s/%s%n",
                yes(backingUnchanged), yes(bitmapsExact), mergeOk, mergeChecked));
        if (oracle != null) {
            b.append(String.format(Locale.ROOT, "  real kernel (--oracle): %s of %s VMs' COW files read as the model says%n",
                    oracle.ok(), oracle.requested()));
        }
        // io_iops: the figure the demo's line and bench --replay set beside fio's (whose runtime is its I/O too)
        b.append(String.format(Locale.ROOT, "  %s IOPS, %s MB/s over %s s of I/O, device latency p50 %s us, p99 %s us, p99.9 %s us%n",
                ioIops, ioMbPerS, ioS, latencyUs.p50(), latencyUs.p99(), latencyUs.p999()));
        for (TraceIo t : perTrace) {
            b.append(String.format(Locale.ROOT, "  trace %s: %s VMs, %s requests, %s IOPS, latency p50 %s us, p99 %s us, p99.9 %s us, max %s us%n",
                    fileName(t.trace()), t.vms(), t.requests(), t.ioIops(), t.latencyUs().p50(), t.latencyUs().p99(),
                    t.latencyUs().p999(), t.latencyUs().max()));
        }
        b.append(String.format(Locale.ROOT, "  per-VM IOPS min %s, median %s, max %s%n", perVmIops.min(), perVmIops.median(), perVmIops.max()));
        b.append(String.format(Locale.ROOT, "  verification compared %s MiB of the backing file in place (no copy read)%n",
                verification.backingBytesRead() >> 20));
        b.append(String.format(Locale.ROOT, "  trace: %s skipped, %s clipped; model %s sectors, %s bytes/sector%n",
                skipped, clipped, model.writtenSectors(), model.bytesPerWrittenSector()));
        b.append(String.format(Locale.ROOT, "  COW disk usage %s MiB per VM for %s MiB of distinct sectors%s%n",
                diskUsage.cowDiskUsagePerVm() >> 20, diskUsage.distinctBytesPerVm() >> 20,
                !schedule.preallocation().equals("off") ? " (COW files preallocated: " + schedule.preallocation() + ")"
                        : schedule.allocUnit() > 0 ? " (grown by " + (schedule.allocUnit() >> 10) + " KiB units while open, unused runs of 64 KiB or more given back)"
                        : ""));
        return b.toString();
    }

    private static String fileName(String trace) {
        Path name = Path.of(trace).getFileName();
        return name == null ? trace : name.toString();
    }

    private static String yes(boolean b) {
        return b ? "yes" : "NO";
    }

    /** From the first request submitted to the last completed; the whole run when nothing completed. */
    private static double ioSeconds(long firstSubmit, long lastDone, double runSeconds) {
        return lastDone > firstSubmit ? (lastDone - firstSubmit) / 1e9 : runSeconds;
    }

    /** The least, median and greatest of {@code values} (none: zeros), rounded as the report rounds. */
    public static Spread spreadOf(double[] values) {
        if (values.length == 0) {
            return new Spread(0, 0, 0);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new Spread(round(sorted[0]), round(sorted[sorted.length / 2]), round(sorted[sorted.length - 1]));
    }

    /** The report's latency figures of a histogram of nanoseconds. */
    public static Latency latencyOf(Histogram h) {
        return latency(h);
    }

    /** A rate as the report rounds it (one decimal). */
    public static double rounded(double v) {
        return round(v);
    }

    /** Seconds as the report rounds them (three decimals). */
    public static double roundedSeconds(double v) {
        return round3(v);
    }

    private static Latency latency(Histogram h) {
        return new Latency(micros(h, 50), micros(h, 99), micros(h, 99.9), round(h.getMaxValue() / 1000.0));
    }

    private static double micros(Histogram h, double percentile) {
        return round(h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
