package org.ubdjava.harness.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.ubdjava.core.UbdException;

/** A fleet whose COW files cannot all be open at once is refused before anything is made, naming the limit and the ways round it. */
class DescriptorBudgetTest {
    private static ReplayOptions vms(int vms, int atOnce) {
        return ReplayOptions.builder(List.of(() -> null), "ubd0=a,b").vms(vms).atOnce(atOnce).build();
    }

    @Test
    void moreVmsThanDescriptorsIsRefusedNamingTheLimit() {
        UbdException e = assertThrows(UbdException.class, () -> DescriptorBudget.require(vms(40_000, 0), 20_000, 44));
        assertEquals("--vms 40000: 40,000 VMs running at once keep 40,000 COW files open, and this process may open 20,000 files "
                + "(ulimit -n); run at most 19,700 at a time (--at-once 19700) or split the fleet over processes (--shard K/N)", e.getMessage());
    }

    @Test
    void theVmsRunningAtOnceCountNotTheFleet() {
        DescriptorBudget.require(vms(40_000, 19_700), 20_000, 44);
        UbdException e = assertThrows(UbdException.class, () -> DescriptorBudget.require(vms(40_000, 19_701), 20_000, 44));
        assertEquals(true, e.getMessage().startsWith("--at-once 19701: "), e.getMessage());
    }

    /** A shard holds only its own VMs' files; a shard still too large is told to cut the fleet finer. */
    @Test
    void aShardCountsItsOwnVms() {
        ReplayOptions half = ReplayOptions.builder(List.of(() -> null), "ubd0=a,b").vms(40_000).shard(new Shard(1, 2)).build();
        DescriptorBudget.require(half, 20_300, 44);
        UbdException e = assertThrows(UbdException.class, () -> DescriptorBudget.require(half, 20_000, 44));
        assertEquals("shard 1/2 of --vms 40000: 20,000 VMs running at once keep 20,000 COW files open, and this process may open "
                + "20,000 files (ulimit -n); run at most 19,700 at a time (--at-once 19700) or split the fleet over more processes "
                + "(--shard K/N)", e.getMessage());
    }

    @Test
    void anUnknownLimitRefusesNothing() {
        DescriptorBudget.require(vms(1_000_000, 0), -1, 44);
    }
}
