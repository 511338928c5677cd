package org.ubdjava.harness.shard;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A shard's {@value ShardFiles#RECORD}: which run and shard it is and on which host, written
 * before it replays anything and again when it has ended. A record without {@link #endedEpochMs}
 * is a shard that never ended: killed, crashed, or still running.
 *
 * @param format        {@value #FORMAT}; a merge refuses another
 * @param run           the run this shard belongs to, as this shard saw it
 * @param shard         this shard's index (the run's VMs i with i mod {@code run.shards} equal to it)
 * @param host          the host it ran on
 * @param readyEpochMs  when it was ready to start (inputs checked, backing file fingerprinted)
 * @param endedEpochMs  when it ended, or null while it has not
 * @param error         why it stopped without a result (an exception's message), or null
 * @param vms           each of its VMs' own figures, once it has ended with a result
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format", "run", "shard", "host", "ready_epoch_ms", "ended_epoch_ms", "error", "vms"})
public record ShardRecord(int format, RunIdentity run, int shard, String host, Long readyEpochMs, Long endedEpochMs, String error,
                          List<VmFigures> vms) {
    /** The version of this record's layout. */
    public static final int FORMAT = 1;

    /**
     * One VM's figures, which the report keeps only as a spread.
     *
     * @param iops     its requests over its own window, first submitted to last completed
     * @param cowBytes its COW file's allocated bytes when it finished
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record VmFigures(int vm, double iops, long cowBytes) {
    }

    /** Whether the shard ended with a result to merge. */
    public boolean finished() {
        return endedEpochMs != null && error == null;
    }
}
