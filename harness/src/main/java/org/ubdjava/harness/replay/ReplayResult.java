package org.ubdjava.harness.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.Histogram;

/** The outcome of a replay: figures, checks, and the problems found. {@link #passed()} decides the exit code. */
public record ReplayResult(Map<String, Object> json, List<String> problemLines, long unprinted, boolean passed,
                           Histogram latencyNanos, List<Timeline.Sample> samples, double[] vmIops, long[] cowUsage) {

    static ReplayResult of(ReplayOptions o, List<ReplayPlan> plans, Fleet fleet, Histogram latency, long elapsedNanos,
                           MismatchLog log, boolean backingUnchanged, int merges, List<Timeline.Sample> samples,
                           BackingFingerprint backing, KernelOracle.Result oracle) {
        long requests = 0;
        long bytes = 0;
        long readsVerified = 0;
        long errors = 0;
        double[] vmIops = new double[o.vms()];
        for (VmReplayer vm : fleet.replayers) {
            if (vm == null) {
                continue; // never started: a worker failed first
            }
            requests += vm.requests;
            bytes += vm.bytes;
            readsVerified += vm.readsVerified;
            errors += vm.errors;
            double s = Math.max(1, vm.lastDoneNanos - vm.firstSubmitNanos) / 1e9;
            vmIops[vm.vm] = vm.requests / s;
        }
        boolean bitmapsExact = true;
        long usageTotal = 0;
        for (int vm = 0; vm < o.vms(); vm++) {
            bitmapsExact &= fleet.bitmapExact[vm];
            usageTotal += fleet.cowUsage[vm];
        }
        double seconds = Math.max(elapsedNanos, 1) / 1e9;
        int mergesOk = fleet.mergesOk();
        boolean passed = log.mismatches() == 0 && log.problems() == 0 && backingUnchanged && bitmapsExact && mergesOk == merges
                && oracle.passed();

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("passed", passed);
        j.put("vms", o.vms());
        j.put("requests", requests);
        j.put("reads_verified", readsVerified);
        j.put("mismatches", log.mismatches());
        j.put("errors", errors);
        j.put("backing_unchanged", backingUnchanged);
        j.put("bitmaps_exact", bitmapsExact);
        j.put("merge_checked", merges);
        j.put("merge_ok", mergesOk);
        if (oracle.requested() > 0) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("requested", oracle.requested());
            k.put("checked", oracle.checked());
            k.put("ok", oracle.ok());
            k.put("unavailable", oracle.unavailable());
            j.put("oracle", k);
        }
        j.put("elapsed_s", round(seconds));
        // inside elapsed_s: each VM's shutdown (a flush) and COW checks, on the workers, between replaying others
        j.put("retire_worker_s", round(fleet.retireNanos() / 1e9));
        j.put("iops", round(requests / seconds));
        j.put("mb_per_s", round(bytes / seconds / 1e6));
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50", micros(latency, 50));
        lat.put("p99", micros(latency, 99));
        lat.put("p999", micros(latency, 99.9));
        lat.put("max", round(latency.getMaxValue() / 1000.0));
        j.put("latency_us", lat);
        double[] sorted = vmIops.clone();
        java.util.Arrays.sort(sorted);
        Map<String, Object> spread = new LinkedHashMap<>();
        spread.put("min", round(sorted[0]));
        spread.put("median", round(sorted[sorted.length / 2]));
        spread.put("max", round(sorted[sorted.length - 1]));
        j.put("per_vm_iops", spread);
        Map<String, Object> schedule = new LinkedHashMap<>();
        schedule.put("traces", plans.size());
        schedule.put("shift_time", o.shiftTime().name().toLowerCase(Locale.ROOT));
        schedule.put("shift_space", o.shiftSpace().name().toLowerCase(Locale.ROOT));
        schedule.put("at_once", o.live());
        schedule.put("max_inflight", o.maxInflight());
        schedule.put("pace", o.pace());
        j.put("schedule", schedule);

        // per VM figures average over the VMs when they replay different traces
        long records = 0;
        long skippedNonIo = 0;
        long skippedEmpty = 0;
        long skippedOutside = 0;
        long clipped = 0;
        long widened = 0;
        long modelSectors = 0;
        long modelBytes = 0;
        long planBytes = 0;
        long vmRecords = 0;
        long vmWriteBytes = 0;
        long vmDistinct = 0;
        List<Map<String, Object>> perTrace = new ArrayList<>();
        for (int t = 0; t < plans.size(); t++) {
            ReplayPlan p = plans.get(t);
            int vms = (o.vms() - t + plans.size() - 1) / plans.size();
            records += p.traceRecords;
            skippedNonIo += p.skippedNonIo;
            skippedEmpty += p.skippedEmpty;
            skippedOutside += p.skippedOutside;
            clipped += p.clipped;
            widened += p.widened;
            modelSectors += p.model.sectors();
            modelBytes += p.model.tableBytes();
            planBytes += p.planBytes();
            vmRecords += (long) p.count * vms;
            vmWriteBytes += p.writeBytes * vms;
            vmDistinct += (long) p.model.sectors() * SectorData.SECTOR * vms;
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("vms", vms);
            one.put("records_read", p.traceRecords);
            one.put("replayed_per_vm", p.count);
            one.put("written_sectors", p.model.sectors());
            perTrace.add(one);
        }
        Map<String, Object> trace = new LinkedHashMap<>();
        trace.put("records_read", records);
        trace.put("replayed_per_vm", vmRecords / o.vms());
        trace.put("skipped_not_io", skippedNonIo);
        trace.put("skipped_empty", skippedEmpty);
        trace.put("skipped_outside_device", skippedOutside);
        trace.put("clipped", clipped);
        trace.put("widened", widened);
        j.put("trace", trace);
        if (plans.size() > 1) {
            j.put("traces", perTrace);
        }
        j.put("skipped", skippedEmpty + skippedOutside);
        j.put("clipped", clipped);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("written_sectors", modelSectors);
        model.put("model_bytes", modelBytes);
        model.put("bytes_per_written_sector", round((double) modelBytes / Math.max(1, modelSectors)));
        model.put("plan_bytes", planBytes);
        j.put("model", model);
        Map<String, Object> disk = new LinkedHashMap<>();
        disk.put("bytes_written_per_vm", vmWriteBytes / o.vms());
        disk.put("distinct_bytes_per_vm", vmDistinct / o.vms());
        disk.put("cow_disk_usage_total", usageTotal);
        disk.put("cow_disk_usage_per_vm", usageTotal / o.vms());
        disk.put("cow_files_kept", !o.deletesCows());
        j.put("disk_usage", disk);
        j.put("backing_sha256", backing.sha256());
        j.put("problems", log.lines());
        j.put("problems_not_printed", log.unprinted());
        return new ReplayResult(j, log.lines(), log.unprinted(), passed, latency, samples, vmIops, fleet.cowUsage.clone());
    }

    /** The terminal summary. */
    public String summary() {
        @SuppressWarnings("unchecked")
        Map<String, Object> lat = (Map<String, Object>) json.get("latency_us");
        @SuppressWarnings("unchecked")
        Map<String, Object> spread = (Map<String, Object>) json.get("per_vm_iops");
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) json.get("model");
        @SuppressWarnings("unchecked")
        Map<String, Object> disk = (Map<String, Object>) json.get("disk_usage");
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "replay %s: %s VMs, %s requests in %s s (%s s of worker time shutting down and checking VMs)%n",
                passed ? "PASSED" : "FAILED", json.get("vms"), json.get("requests"), json.get("elapsed_s"), json.get("retire_worker_s")));
        @SuppressWarnings("unchecked")
        Map<String, Object> schedule = (Map<String, Object>) json.get("schedule");
        b.append(String.format(Locale.ROOT, "  %s trace(s); VMs shifted in time: %s, in space: %s; %s at once%n",
                schedule.get("traces"), schedule.get("shift_time"), schedule.get("shift_space"), schedule.get("at_once")));
        b.append(String.format(Locale.ROOT, "  reads verified %s, mismatched sectors %s, I/O errors %s%n",
                json.get("reads_verified"), json.get("mismatches"), json.get("errors")));
        b.append(String.format(Locale.ROOT, "  backing unchanged %s, bitmaps exact %s, merges checked %s/%s%n",
                yes(json.get("backing_unchanged")), yes(json.get("bitmaps_exact")), json.get("merge_ok"), json.get("merge_checked")));
        @SuppressWarnings("unchecked")
        Map<String, Object> oracle = (Map<String, Object>) json.get("oracle");
        if (oracle != null) {
            b.append(String.format(Locale.ROOT, "  real kernel (--oracle): %s of %s VMs' COW files read as the model says%n",
                    oracle.get("ok"), oracle.get("requested")));
        }
        b.append(String.format(Locale.ROOT, "  %s IOPS, %s MB/s, latency p50 %s us, p99 %s us, p99.9 %s us%n",
                json.get("iops"), json.get("mb_per_s"), lat.get("p50"), lat.get("p99"), lat.get("p999")));
        b.append(String.format(Locale.ROOT, "  per-VM IOPS min %s, median %s, max %s%n", spread.get("min"), spread.get("median"), spread.get("max")));
        b.append(String.format(Locale.ROOT, "  trace: %s skipped, %s clipped; model %s sectors, %s bytes/sector%n",
                json.get("skipped"), json.get("clipped"), model.get("written_sectors"), model.get("bytes_per_written_sector")));
        b.append(String.format(Locale.ROOT, "  COW disk usage %s MiB per VM for %s MiB of distinct sectors%n",
                ((Number) disk.get("cow_disk_usage_per_vm")).longValue() >> 20, ((Number) disk.get("distinct_bytes_per_vm")).longValue() >> 20));
        return b.toString();
    }

    private static String yes(Object b) {
        return Boolean.TRUE.equals(b) ? "yes" : "NO";
    }

    private static double micros(Histogram h, double percentile) {
        return round(h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
