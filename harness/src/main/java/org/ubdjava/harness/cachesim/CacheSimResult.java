package org.ubdjava.harness.cachesim;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What {@code ubd cache-sim} found: one row per policy, size and mode, the exact LRU curves over
 * many sizes, and with sampling the SHARDS curve and its error against the exact one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheSimResult(List<Row> results, List<Curve> curves, Sampled sample, Stream stream) {

    /** One cache configuration's outcome; {@code size_bytes} is the total over the VMs (private: N caches of size / N). */
    public record Row(String policy, @JsonProperty("size_bytes") long sizeBytes, int vms, String mode, long accesses, long hits,
                      @JsonProperty("hit_ratio") double hitRatio) {
    }

    /** A hit ratio at a total cache size. */
    public record Point(@JsonProperty("size_bytes") long sizeBytes, long hits, @JsonProperty("hit_ratio") double hitRatio) {
    }

    /** A policy's hit ratio over many sizes from one pass (LRU's stack distances). */
    public record Curve(String policy, String mode, List<Point> points) {
    }

    /** The estimate at one size next to the exact figure. */
    public record SampledPoint(@JsonProperty("size_bytes") long sizeBytes, @JsonProperty("hit_ratio") double hitRatio,
                               @JsonProperty("exact_hit_ratio") double exactHitRatio) {
    }

    /** SHARDS' LRU curve (shared mode) and its error over the exact curve's sizes. */
    public record Sampled(String method, String policy, String mode, double rate, @JsonProperty("sampled_accesses") long sampledAccesses,
                          List<SampledPoint> points, @JsonProperty("mean_abs_error") double meanAbsError,
                          @JsonProperty("max_abs_error") double maxAbsError) {
    }

    /** What was simulated: the traces, the fleet, and the stream of backing-page accesses it made. */
    public record Stream(List<String> traces, int vms, @JsonProperty("shift_time") String shiftTime,
                         @JsonProperty("shift_space") String shiftSpace, long records, long accesses,
                         @JsonProperty("footprint_pages") long footprintPages) {
    }
}
