package org.ubdjava.harness.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Which I/O thread each VM's disk gets: each trace's VMs in turn over the threads. With two traces
 * alternating (VM i replays trace i mod 2, as `--trace A --trace B` gives them) and two threads,
 * turns over all VMs would put every VM of A on thread 0 and every VM of B on thread 1: 8 readers
 * beside 8 writers then had one thread where alone they had two.
 */
class FleetPlacementTest {
    private static List<VmSchedule> traces(int... traceOfVm) {
        List<VmSchedule> s = new ArrayList<>();
        for (int vm = 0; vm < traceOfVm.length; vm++) {
            s.add(new VmSchedule(vm, traceOfVm[vm], null, 0, 0));
        }
        return s;
    }

    @Test
    void twoAlternatingTracesEachHaveBothThreads() {
        assertArrayEquals(new int[] {0, 0, 1, 1, 0, 0, 1, 1}, Fleet.ioThreads(traces(0, 1, 0, 1, 0, 1, 0, 1), 2));
    }

    @Test
    void oneTraceGoesByTurnsAsBefore() {
        assertArrayEquals(new int[] {0, 1, 0, 1, 0}, Fleet.ioThreads(traces(0, 0, 0, 0, 0), 2));
        assertArrayEquals(new int[] {0, 0, 0}, Fleet.ioThreads(traces(0, 0, 0), 1));
    }

    @Test
    void threeTracesOverTwoThreads() {
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, 0}, Fleet.ioThreads(traces(0, 1, 2, 0, 1, 2, 0), 2));
    }
}
