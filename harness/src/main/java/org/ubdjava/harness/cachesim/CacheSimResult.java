package org.ubdjava.harness.cachesim;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What {@code ubd cache-sim} found: one row per policy, size and mode, the exact LRU curves over
 * many sizes, and with sampling the SHARDS curve and its error against the exact one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheSimResult(List<Row> results, List<Curve> curves, Sampled sample, Stream stream) {

    /** One cache configuration's outcome; {@code size_bytes} is the total over the VMs (private: N caches of size / N). */
    @JsonPropertyOrder({"policy", "size_bytes", "vms", "mode", "accesses", "hits", "hit_ratio"})
    public record Row(String policy, @JsonProperty("size_bytes") long sizeBytes, int vms, String mode, long accesses, long hits,
                      @JsonProperty("hit_ratio") double hitRatio) {
    }

    /** A hit ratio at a total cache size. */
    @JsonPropertyOrder({"size_bytes", "hits", "hit_ratio"})
    public record Point(@JsonProperty("size_bytes") long sizeBytes, long hits, @JsonProperty("hit_ratio") double hitRatio) {
    }

    /** A policy's hit ratio over many sizes from one pass (LRU's stack distances). */
    public record Curve(String policy, String mode, List<Point> points) {
    }

    /** The estimate at one size next to the exact figure. */
    @JsonPropertyOrder({"size_bytes", "hit_ratio", "exact_hit_ratio"})
    public record SampledPoint(@JsonProperty("size_bytes") long sizeBytes, @JsonProperty("hit_ratio") double hitRatio,
                               @JsonProperty("exact_hit_ratio") double exactHitRatio) {
    }

    /**
     * SHARDS' LRU curve (shared mode) and its error against the exact curve, over the curve's
     * sizes from {@code error_from_size_bytes} up ({@code error_points} of them): smaller caches
     * hold too few sampled pages to estimate (NaN errors when no size is that large).
     */
    @JsonPropertyOrder({"method", "policy", "mode", "rate", "sampled_accesses", "points", "error_from_size_bytes", "error_points",
        "mean_abs_error", "max_abs_error"})
    public record Sampled(String method, String policy, String mode, double rate, @JsonProperty("sampled_accesses") long sampledAccesses,
                          List<SampledPoint> points, @JsonProperty("error_from_size_bytes") long errorFromSizeBytes,
                          @JsonProperty("error_points") int errorPoints, @JsonProperty("mean_abs_error") double meanAbsError,
                          @JsonProperty("max_abs_error") double maxAbsError) {
    }

    /**
     * What was simulated: the traces, the fleet, and the stream of backing-page accesses it made.
     *
     * @param footprintPages distinct pages of the shared stream; null for a shard's simulation, which sees part of it
     */
    @JsonPropertyOrder({"traces", "vms", "shift_time", "shift_space", "records", "accesses", "footprint_pages"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Stream(List<String> traces, int vms, @JsonProperty("shift_time") String shiftTime,
                         @JsonProperty("shift_space") String shiftSpace, long records, long accesses,
                         @JsonProperty("footprint_pages") Long footprintPages) {
    }
}
