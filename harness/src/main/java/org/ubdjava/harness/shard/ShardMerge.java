package org.ubdjava.harness.shard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;
import org.ubdjava.core.Printable;
import org.ubdjava.core.UbdException;
import org.ubdjava.harness.replay.HtmlReport;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.replay.ReplayResult.Sharding;
import org.ubdjava.harness.replay.ReplayResult.Window;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * One report of a whole run from its shards' result directories ({@link ShardFiles}). Counts and
 * bytes are summed; latency percentiles come from the shards' histograms added together (never
 * from their percentiles); IOPS are over the union of the shards' wall-clock windows; each trace's
 * figures likewise. The run's shard count comes from the shards' own records, so a shard whose
 * directory is not among those given is found missing.
 *
 * <p>The run passes only when every one of its N shards is there once, ended with a result, belongs
 * to the run (the identity most of them recorded: traces, SPEC, options, backing file by content),
 * and passed its checks. Anything else is a problem that names the shard (and its directory); the
 * merged report is then not passed, whatever the shards that were merged found.
 */
public final class ShardMerge {
    private ShardMerge() {
    }

    /** A shard's result that made it into the figures. */
    private record Part(int shard, Path dir, ShardRecord record, ReplayResult report, ShardFiles.Latencies latency) {
    }

    /** A directory whose record could be read. */
    record Found(Path dir, ShardRecord record) {
    }

    /**
     * The shards of one run that ended with a result, in shard order, and every problem found on
     * the way: directories that are no shard's result, shards of another run, missing, duplicated,
     * unfinished or stopped by an error.
     */
    record Gathered(RunIdentity run, List<Found> ended, List<String> problems) {
    }

    /**
     * The merge of the shards' result directories {@code dirs}: of a replay ({@link MergedReport})
     * or of a cache simulation ({@link MergedCacheSim}), as their records say.
     */
    public static Merged merge(List<Path> dirs) {
        Gathered g = gather(dirs);
        return g.run().kind().equals(RunIdentity.CACHE_SIM) ? CacheSimMerge.figures(g) : replay(g);
    }

    static Gathered gather(List<Path> dirs) {
        List<String> problems = new ArrayList<>();
        List<Found> found = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                problems.add(dir + (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) ? ": not a directory" : ": no such directory")
                        + ", so no shard's result");
            } else if (!Files.exists(dir.resolve(ShardFiles.RECORD))) {
                problems.add(dir + ": not a shard's result: no " + ShardFiles.RECORD
                        + " (the shard never got as far as its start, or this is not a directory of a shard's --out)");
            } else {
                try {
                    ShardRecord r = ShardFiles.readRecord(dir);
                    if (r.format() != ShardRecord.FORMAT) {
                        problems.add(dir + ": " + ShardFiles.RECORD + " is of format " + r.format() + ", this merge reads " + ShardRecord.FORMAT);
                    } else {
                        found.add(new Found(dir, r));
                    }
                } catch (IOException | RuntimeException e) {
                    problems.add(dir + ": " + ShardFiles.RECORD + " unreadable: " + why(e));
                }
            }
        }
        if (found.isEmpty()) {
            throw new UbdException("no shard result to merge" + (problems.isEmpty() ? "" : ": " + String.join("; ", problems)));
        }
        RunIdentity run = theRun(found);
        int n = run.shards();
        Map<Integer, List<Found>> byShard = new TreeMap<>();
        for (Found f : found) {
            List<String> differences = f.record.run().differences(run);
            if (!differences.isEmpty()) {
                problems.add("shard " + f.record.shard() + " (" + f.dir + "): from another run: " + String.join("; ", differences));
            } else if (f.record.shard() < 0 || f.record.shard() >= n) {
                problems.add("shard " + f.record.shard() + " (" + f.dir + "): not a shard of " + n + " (0 to " + (n - 1) + ")");
            } else {
                byShard.computeIfAbsent(f.record.shard(), k -> new ArrayList<>()).add(f);
            }
        }
        List<Found> ended = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            List<Found> holders = byShard.get(k);
            if (holders == null) {
                problems.add("shard " + k + " of " + n + ": missing: no directory given holds its result (it did not start, "
                        + "or failed before it was ready: see its log)");
                continue;
            }
            Found f = holders.get(0);
            if (holders.size() > 1) {
                problems.add("shard " + k + " of " + n + ": duplicated: " + String.join(", ", holders.stream().map(h -> h.dir.toString()).toList())
                        + " all hold it (only the first is in the figures)");
            }
            String at = "shard " + k + " (" + f.dir + ")";
            ShardRecord r = f.record;
            if (r.endedEpochMs() == null) {
                problems.add(at + ": did not finish: no result (killed, crashed, or still running; ready on " + r.host()
                        + (r.readyEpochMs() == null ? "" : " at " + r.readyEpochMs()) + ")");
            } else if (r.error() != null) {
                problems.add(at + ": failed: " + r.error());
            } else {
                ended.add(f);
            }
        }
        return new Gathered(run, ended, problems);
    }

    /** The replay's figures from the shards that ended, each read and checked. */
    private static MergedReport replay(Gathered g) {
        List<String> problems = new ArrayList<>(g.problems());
        List<Part> parts = new ArrayList<>();
        for (Found f : g.ended()) {
            int k = f.record.shard();
            String at = "shard " + k + " (" + f.dir + ")";
            Part p;
            try {
                p = read(k, f, g.run());
            } catch (IOException | RuntimeException e) {
                problems.add(at + ": result unreadable: " + why(e));
                continue;
            }
            if (!p.report.verdict().equals(ReplayResult.PASSED)) {
                problems.add(at + ": " + p.report.verdict() + ": " + p.report.mismatches() + " mismatched sectors, " + p.report.errors()
                        + " I/O errors, bitmaps exact " + yes(p.report.bitmapsExact()) + ", backing unchanged "
                        + yes(p.report.backingUnchanged()) + ", merges checked " + p.report.mergeOk() + "/" + p.report.mergeChecked()
                        + (p.report.problems().isEmpty() ? "" : "; its problems follow"));
            }
            parts.add(p);
        }
        return figures(g.run(), parts, problems);
    }

    /** Reads a shard's report and latency log and checks they are of that shard of that run. */
    private static Part read(int k, Found f, RunIdentity run) throws IOException {
        if (!Files.exists(f.dir.resolve(HtmlReport.REPORT_JSON))) {
            throw new IOException("no " + HtmlReport.REPORT_JSON + " although " + ShardFiles.RECORD + " says the shard ended");
        }
        ReplayResult report = ShardFiles.readReport(f.dir);
        Sharding s = report.shard();
        if (s == null || s.index() != k || s.count() != run.shards()) {
            throw new IOException(HtmlReport.REPORT_JSON + " is not shard " + k + "/" + run.shards() + "'s report ("
                    + (s == null ? "no shard in it" : "it says " + s.index() + "/" + s.count()) + ")");
        }
        int traces = run.traces().size();
        if (report.perTrace().size() != traces || s.perTrace().size() != traces) {
            throw new IOException(HtmlReport.REPORT_JSON + " has figures of " + report.perTrace().size() + " traces, the run has " + traces);
        }
        return new Part(k, f.dir, f.record, report, ShardFiles.readLatency(f.dir, traces));
    }

    /**
     * The run: the identity the most records share (a record that failed before it saw the
     * backing file counts with those it otherwise equals); on a tie, the one of the first directory.
     */
    private static RunIdentity theRun(List<Found> found) {
        Map<RunIdentity, Integer> votes = new LinkedHashMap<>();
        for (Found f : found) {
            if (f.record.run().backing() != null) {
                votes.merge(f.record.run(), 1, Integer::sum);
            }
        }
        if (votes.isEmpty()) {
            return found.get(0).record.run();
        }
        RunIdentity best = null;
        int most = 0;
        for (Map.Entry<RunIdentity, Integer> e : votes.entrySet()) {
            int v = e.getValue();
            for (Found f : found) {
                if (f.record.run().backing() == null && f.record.run().differences(e.getKey()).isEmpty()) {
                    v++;
                }
            }
            if (v > most) {
                most = v;
                best = e.getKey();
            }
        }
        return best;
    }

    /** The whole run's report from the parts merged, and every problem, the merge's first. */
    private static MergedReport figures(RunIdentity run, List<Part> parts, List<String> mergeProblems) {
        parts.sort(Comparator.comparingInt(Part::shard));
        int traces = run.traces().size();
        int vms = 0;
        long requests = 0;
        long readsVerified = 0;
        long mismatches = 0;
        long errors = 0;
        boolean backingUnchanged = true;
        boolean bitmapsExact = true;
        int mergeChecked = 0;
        int mergeOk = 0;
        Window runWindow = null;
        double retire = 0;
        long ioBytes = 0;
        long writeBytes = 0;
        long distinctBytes = 0;
        long backingBytesRead = 0;
        long cowTotal = 0;
        boolean cowKept = true;
        int atOnce = 0;
        Long faults = null;
        Double warmUp = null;
        long notPrinted = 0;
        int[] oracle = null;
        String oracleUnavailable = null;
        Window io = null;
        Window[] traceWindows = new Window[traces];
        int[] traceVms = new int[traces];
        long[] traceRequests = new long[traces];
        Histogram all = null;
        Histogram[] traceLatency = new Histogram[traces];
        List<ShardRecord.VmFigures> perVm = new ArrayList<>();
        List<String> shardProblems = new ArrayList<>();
        List<MergedReport.ShardLine> lines = new ArrayList<>();
        boolean anyFailed = false;
        boolean anyIncomplete = false;
        Long earliestStart = null;
        Long latestStart = null;
        for (Part p : parts) {
            ReplayResult r = p.report;
            Sharding s = r.shard();
            anyFailed |= r.verdict().equals(ReplayResult.FAILED);
            anyIncomplete |= r.verdict().equals(ReplayResult.INCOMPLETE);
            vms += r.vms();
            requests += r.requests();
            readsVerified += r.readsVerified();
            mismatches += r.mismatches();
            errors += r.errors();
            backingUnchanged &= r.backingUnchanged();
            bitmapsExact &= r.bitmapsExact();
            mergeChecked += r.mergeChecked();
            mergeOk += r.mergeOk();
            runWindow = union(runWindow, s.run());
            retire += r.retireWorkerS();
            ioBytes += s.ioBytes();
            writeBytes += s.writeBytes();
            distinctBytes += s.distinctBytes();
            backingBytesRead += r.verification().backingBytesRead();
            cowTotal += r.diskUsage().cowDiskUsageTotal();
            cowKept &= r.diskUsage().cowFilesKept();
            atOnce += r.schedule().atOnce();
            if (r.faultsInjected() != null) {
                faults = (faults == null ? 0 : faults) + r.faultsInjected();
            }
            if (r.warmUpS() != null) {
                warmUp = warmUp == null ? r.warmUpS() : Math.max(warmUp, r.warmUpS());
            }
            notPrinted += r.problemsNotPrinted();
            if (r.oracle() != null) {
                oracle = oracle == null ? new int[3] : oracle;
                oracle[0] += r.oracle().requested();
                oracle[1] += r.oracle().checked();
                oracle[2] += r.oracle().ok();
                oracleUnavailable = oracleUnavailable != null ? oracleUnavailable : r.oracle().unavailable();
            }
            io = union(io, s.io());
            if (s.io() != null) {
                earliestStart = earliestStart == null ? s.io().startEpochMs() : Math.min(earliestStart, s.io().startEpochMs());
                latestStart = latestStart == null ? s.io().startEpochMs() : Math.max(latestStart, s.io().startEpochMs());
            }
            for (int t = 0; t < traces; t++) {
                traceWindows[t] = union(traceWindows[t], s.perTrace().get(t));
                traceVms[t] += r.perTrace().get(t).vms();
                traceRequests[t] += r.perTrace().get(t).requests();
                traceLatency[t] = add(traceLatency[t], p.latency.perTrace().get(t));
            }
            all = add(all, p.latency.all());
            perVm.addAll(p.record.vms());
            for (String line : r.problems()) {
                shardProblems.add("shard " + p.shard + ": " + line);
            }
            lines.add(new MergedReport.ShardLine(p.shard, p.dir.toString(), p.record.host(), r.verdict(), r.vms(), r.requests(),
                    r.ioIops(), s.startAtEpochMs() == null ? null : s.lateMs(), s.io()));
        }
        if (parts.isEmpty()) {
            throw new UbdException("no shard of the run has a result to merge: " + String.join("; ", mergeProblems));
        }
        ReplayResult first = parts.get(0).report;
        // the run lasted from the first shard's clock start to the last one's end, and the shards
        // warmed their request paths side by side before
        double elapsed = Math.max(1, runWindow.endEpochMs() - runWindow.startEpochMs()) / 1000.0 + (warmUp == null ? 0 : warmUp);
        double ioSeconds = io == null ? elapsed : Math.max(1, io.endEpochMs() - io.startEpochMs()) / 1000.0;
        double seconds = Math.max(elapsed, 1e-9);
        perVm.sort(Comparator.comparingInt(ShardRecord.VmFigures::vm));
        double[] vmIops = new double[perVm.size()];
        long[] cowUsage = new long[perVm.size()];
        int[] vmNumbers = new int[perVm.size()];
        for (int j = 0; j < vmIops.length; j++) {
            vmIops[j] = perVm.get(j).iops();
            cowUsage[j] = perVm.get(j).cowBytes();
            vmNumbers[j] = perVm.get(j).vm();
        }
        List<ReplayResult.TraceIo> perTrace = new ArrayList<>();
        for (int t = 0; t < traces; t++) {
            double window = traceWindows[t] == null ? seconds : Math.max(1, traceWindows[t].endEpochMs() - traceWindows[t].startEpochMs()) / 1000.0;
            perTrace.add(new ReplayResult.TraceIo(first.perTrace().get(t).trace(), traceVms[t], traceRequests[t],
                    ReplayResult.rounded(traceRequests[t] / window), ReplayResult.latencyOf(traceLatency[t])));
        }
        // the plans are the same in every shard (same traces, device and limit): their figures are
        // the first shard's, with the VMs of each trace those of the whole run
        long replayedRecords = 0;
        List<ReplayResult.PerTrace> plans = null;
        if (first.traces() != null) {
            plans = new ArrayList<>();
            for (int t = 0; t < traces; t++) {
                ReplayResult.PerTrace pt = first.traces().get(t);
                plans.add(new ReplayResult.PerTrace(traceVms[t], pt.recordsRead(), pt.replayedPerVm(), pt.writtenSectors()));
                replayedRecords += pt.replayedPerVm() * traceVms[t];
            }
        } else {
            replayedRecords = first.trace().replayedPerVm() * vms;
        }
        int perVmDivisor = Math.max(1, vms);
        ReplayResult.TraceFigures tf = first.trace();
        ReplayResult.TraceFigures traceFigures = new ReplayResult.TraceFigures(tf.recordsRead(), replayedRecords / perVmDivisor,
                tf.skippedNotIo(), tf.skippedEmpty(), tf.skippedOutsideDevice(), tf.clipped(), tf.widened());
        ReplayResult.Schedule sc = first.schedule();
        ReplayResult.Schedule schedule = new ReplayResult.Schedule(sc.traces(), sc.shiftTime(), sc.shiftSpace(), atOnce,
                sc.maxInflight(), sc.pace(), sc.preallocation(), sc.allocUnit());
        List<String> problems = new ArrayList<>(mergeProblems);
        problems.addAll(shardProblems);
        String verdict = !mergeProblems.isEmpty() || anyFailed ? ReplayResult.FAILED
                : anyIncomplete ? ReplayResult.INCOMPLETE : ReplayResult.PASSED;
        ReplayResult merged = new ReplayResult(verdict, verdict.equals(ReplayResult.PASSED), vms, requests, readsVerified, mismatches,
                errors, backingUnchanged, bitmapsExact, mergeChecked, mergeOk,
                oracle == null ? null : new ReplayResult.Oracle(oracle[0], oracle[1], oracle[2], oracleUnavailable),
                ReplayResult.rounded(seconds), ReplayResult.rounded(retire), ReplayResult.rounded(requests / seconds),
                ReplayResult.rounded(ioBytes / seconds / 1e6), ReplayResult.roundedSeconds(ioSeconds),
                ReplayResult.rounded(requests / ioSeconds), ReplayResult.rounded(ioBytes / ioSeconds / 1e6),
                ReplayResult.latencyOf(all), ReplayResult.spreadOf(vmIops), perTrace,
                new ReplayResult.Verification(backingBytesRead, first.verification().backingExtents()), schedule, traceFigures, plans,
                first.skipped(), first.clipped(), first.notReplayed(), first.model(),
                new ReplayResult.DiskUsage(writeBytes / perVmDivisor, distinctBytes / perVmDivisor, cowTotal, cowTotal / perVmDivisor, cowKept),
                run.backing() == null ? first.backingSha256() : run.backing().sha256(), faults, problems, notPrinted, all, List.of(),
                vmIops, cowUsage, Boolean.TRUE.equals(run.settings().allowSkipped()), warmUp, null, traceLatency, vmNumbers);
        Long skew = earliestStart == null ? null : latestStart - earliestStart;
        return new MergedReport(merged, new MergedReport.Merge(run.shards(), parts.size(), skew, run, lines));
    }

    private static Window union(Window a, Window b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return new Window(Math.min(a.startEpochMs(), b.startEpochMs()), Math.max(a.endEpochMs(), b.endEpochMs()));
    }

    private static Histogram add(Histogram sum, Histogram h) {
        Objects.requireNonNull(h);
        if (sum == null) {
            return h.copy();
        }
        sum.add(h);
        return sum;
    }

    /**
     * What was wrong with a file a shard wrote, on one line: the parser's own words without the
     * excerpt and position lines it appends, and nothing of the file's bytes that a terminal would
     * take for a control sequence.
     */
    static String why(Exception e) {
        String m;
        if (e instanceof JsonProcessingException j) {
            JsonLocation at = j.getLocation();
            m = j.getOriginalMessage() + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
        } else {
            m = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return Printable.escape(m.lines().findFirst().orElse(""));
    }

    private static String yes(boolean b) {
        return b ? "yes" : "NO";
    }
}
