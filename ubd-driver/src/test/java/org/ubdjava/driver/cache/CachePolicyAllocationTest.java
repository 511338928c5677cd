package org.ubdjava.driver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * No policy allocates per access: after a warm-up that has filled every map and ghost pool (and
 * let the JIT compile the loop), 262,144 more hits, misses and evictions allocate nothing on
 * this thread. Counted by the JVM's per-thread allocation counter, not timed.
 */
class CachePolicyAllocationTest {
    @ParameterizedTest
    @EnumSource(value = CachePolicy.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void accessesAllocateNothing(CachePolicy policy) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "*** allocation counting unsupported by this JVM");
        long[] stream = new long[1 << 18];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < stream.length; i++) {
            stream[i] = r.nextInt(4) == 0 ? r.nextInt(1 << 16) : r.nextInt(2048);
        }
        CacheSimulator sim = new CacheSimulator(1024, policy);
        for (int round = 0; round < 4; round++) {
            for (long p : stream) {
                sim.access(p);
            }
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (long p : stream) {
            sim.access(p);
        }
        long after = threads.getThreadAllocatedBytes(id);
        assertEquals(0, after - before, policy + " allocated per access");
    }
}
