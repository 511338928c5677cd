package org.ubdjava.harness.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.ubdjava.harness.replay.Shard;

/** Which shard a process is, from --shard, --shards and the schedulers' variables; and what a shard's VMs are. */
class ShardAssignmentTest {
    private static final Map<String, String> NONE = Map.of();

    private static String refused(Shard shard, Integer shards, Map<String, String> env) {
        return assertThrows(ShardAssignment.Invalid.class, () -> ShardAssignment.resolve(shard, shards, env)).getMessage();
    }

    @Test
    void nothingGivenIsTheWholeRun() {
        assertNull(ShardAssignment.resolve(null, null, NONE));
        assertNull(ShardAssignment.resolve(null, null, Map.of("SLURM_ARRAY_TASK_COUNT", "4", "SLURM_JOB_ID", "7")),
                "a count without an index is no shard: Slurm sets the count in every task of an array only");
    }

    @Test
    void anExplicitShardWinsOverTheScheduler() {
        Map<String, String> env = Map.of("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "16", "JOB_COMPLETION_INDEX", "5");
        assertEquals(new Shard(1, 4), ShardAssignment.resolve(new Shard(1, 4), null, env));
        assertEquals(new Shard(1, 4), ShardAssignment.resolve(new Shard(1, 4), 4, env));
        assertEquals("--shards 8 and --shard 1/4 disagree on the number of shards", refused(new Shard(1, 4), 8, env));
    }

    @Test
    void slurmGivesIndexAndCount() {
        assertEquals(new Shard(3, 16), ShardAssignment.resolve(null, null, Map.of("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "16")));
        // one lost shard run again alone: an array of one, its count given
        assertEquals(new Shard(5, 16), ShardAssignment.resolve(null, 16, Map.of("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "1")));
        assertEquals("SLURM_ARRAY_TASK_ID=16 is not below the number of shards (SLURM_ARRAY_TASK_COUNT=16): shards are numbered "
                        + "0 to 15 (sbatch --array=0-15)",
                refused(null, null, Map.of("SLURM_ARRAY_TASK_ID", "16", "SLURM_ARRAY_TASK_COUNT", "16")));
        assertEquals("SLURM_ARRAY_TASK_COUNT=0: the number of shards must be at least 1",
                refused(null, null, Map.of("SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "0")));
        assertEquals("SLURM_ARRAY_TASK_ID='x1' is not a whole number of 0 or more",
                refused(null, null, Map.of("SLURM_ARRAY_TASK_ID", "x1", "SLURM_ARRAY_TASK_COUNT", "4")));
    }

    @Test
    void kubernetesGivesTheIndexAndShardsTheCount() {
        assertEquals(new Shard(2, 4), ShardAssignment.resolve(null, 4, Map.of("JOB_COMPLETION_INDEX", "2")));
        assertEquals("JOB_COMPLETION_INDEX=2 gives this shard's index but not how many shards there are: add --shards N",
                refused(null, null, Map.of("JOB_COMPLETION_INDEX", "2")));
        assertEquals("JOB_COMPLETION_INDEX=4 is not below the number of shards (--shards 4): shards are numbered 0 to 3",
                refused(null, 4, Map.of("JOB_COMPLETION_INDEX", "4")));
        // Slurm's index first, as deploy/shard reads them
        assertEquals(new Shard(1, 4), ShardAssignment.resolve(null, 4, Map.of("SLURM_ARRAY_TASK_ID", "1", "JOB_COMPLETION_INDEX", "2")));
    }

    @Test
    void aCountWithoutAnIndexIsRefused() {
        assertEquals("--shards 4 without a shard index: give --shard K/N, or run as a Slurm array task (SLURM_ARRAY_TASK_ID) "
                + "or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX)", refused(null, 4, NONE));
        assertEquals("--shards 0: the number of shards must be at least 1", refused(null, 0, Map.of("JOB_COMPLETION_INDEX", "0")));
    }

    @Test
    void kOfNParsesAndRefusesWhatCannotBe() {
        assertEquals(new Shard(0, 1), Shard.parse("0/1"));
        assertEquals(new Shard(15, 16), Shard.parse("15/16"));
        assertEquals("'4/4': K must be below N (shards are numbered from 0 to 3)",
                assertThrows(IllegalArgumentException.class, () -> Shard.parse("4/4")).getMessage());
        assertEquals("'0/0': N, the number of shards, must be at least 1",
                assertThrows(IllegalArgumentException.class, () -> Shard.parse("0/0")).getMessage());
        for (String bad : new String[] {"3", "-1/4", "1/+4", "a/b", "1/4/2", " 1/4"}) {
            assertThrows(IllegalArgumentException.class, () -> Shard.parse(bad), bad);
        }
    }

    @Test
    void aShardsVmsAreThoseOfItsResidue() {
        Shard s = new Shard(1, 4);
        assertArrayEquals(new int[] {1, 5, 9, 13}, s.vms(16));
        assertArrayEquals(new int[] {1, 5, 9}, s.vms(10));
        assertArrayEquals(new int[] {}, new Shard(3, 4).vms(3));
        int total = 0;
        for (int k = 0; k < 7; k++) {
            total += new Shard(k, 7).vmsOf(100);
        }
        assertEquals(100, total, "every VM in exactly one shard");
    }
}
