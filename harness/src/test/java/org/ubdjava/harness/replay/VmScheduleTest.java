package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.ubdjava.harness.trace.SkipCounter;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceRecord;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The expectations a time-shifted VM derives from the shared plan ({@link VmSchedule#expected})
 * against a brute-force model of that one VM: replay the rotated order on a private map and
 * compare every sector of every read, and the final state of every sector.
 */
class VmScheduleTest {
    static final long DEVICE_SECTORS = 48;
    /** Plans spill beside nothing in particular: their files are unlinked at once. */
    static final Path SPILL = Path.of(System.getProperty("java.io.tmpdir"));

    record Op(TraceOp op, long first, int sectors) {
    }

    @Property(tries = 2000)
    void shiftedVmSeesWhatItsOwnOrderWrote(@ForAll("traces") List<Op> trace, @ForAll @IntRange(min = 0, max = 1000) int startPick,
                                           @ForAll @IntRange(min = 0, max = 47) int shift) {
        ReplayPlan plan = ReplayPlan.build(new ListReader(trace), DEVICE_SECTORS * SECTOR, Long.MAX_VALUE, SPILL);
        int start = plan.count == 0 ? 0 : startPick % plan.count;
        VmSchedule vm = new VmSchedule(0, 0, plan, start, shift);
        Long2IntOpenHashMap own = new Long2IntOpenHashMap();
        own.defaultReturnValue(SectorModel.BACKING);
        for (int p = 0; p < plan.count; p++) {
            int r = vm.request(p);
            long first = plan.firstSector(r);
            switch (plan.op(r)) {
                case WRITE -> {
                    for (int i = 0; i < plan.sectors(r); i++) {
                        own.put(first + i, r);
                    }
                }
                case DISCARD -> {
                    for (int i = 0; i < plan.sectors(r); i++) {
                        own.put(first + i, ~r);
                    }
                }
                case READ -> {
                    long sector = first;
                    for (long run = plan.firstRun(r); run < plan.firstRun(r + 1); run++) {
                        for (int i = 0; i < plan.runLength(run); i++, sector++) {
                            assertEquals(own.get(sector), vm.expected(plan.runSource(run), r, sector),
                                    "start " + start + ", read " + r + " at position " + p + ", trace sector " + sector);
                        }
                    }
                    assertEquals(first + plan.sectors(r), sector, "the runs cover the read");
                }
                case FLUSH -> {
                }
            }
        }
        for (long d = 0; d < DEVICE_SECTORS; d++) {
            assertEquals(own.get(vm.trace(d)), vm.finalSource(d), "device sector " + d);
            assertEquals(d, vm.device(vm.trace(d)));
        }
    }

    @Property(tries = 200)
    void elapsedTimeRunsOnAcrossTheWrap(@ForAll("traces") List<Op> trace, @ForAll @IntRange(min = 0, max = 1000) int startPick) {
        ReplayPlan plan = ReplayPlan.build(new ListReader(trace), DEVICE_SECTORS * SECTOR, Long.MAX_VALUE, SPILL);
        if (plan.count == 0) {
            return;
        }
        VmSchedule vm = new VmSchedule(0, 0, plan, startPick % plan.count, 0);
        assertEquals(0, vm.elapsedMicros(0));
        for (int p = 1; p < plan.count; p++) {
            long before = vm.elapsedMicros(p - 1);
            long now = vm.elapsedMicros(p);
            assertEquals(true, now >= before, "time goes back at position " + p);
        }
    }

    @Provide
    Arbitrary<List<Op>> traces() {
        Arbitrary<TraceOp> op = Arbitraries.of(TraceOp.READ, TraceOp.READ, TraceOp.WRITE, TraceOp.WRITE, TraceOp.DISCARD, TraceOp.FLUSH);
        Arbitrary<Long> first = Arbitraries.longs().between(0, DEVICE_SECTORS - 1);
        Arbitrary<Integer> sectors = Arbitraries.integers().between(1, 8);
        return Combinators.combine(op, first, sectors).as((o, f, n) -> new Op(o, f, (int) Math.min(n, DEVICE_SECTORS - f)))
                .list().ofMinSize(0).ofMaxSize(40);
    }

    /** A trace held in a list: timestamps 10 µs apart. */
    static final class ListReader implements TraceReader {
        private final List<Op> ops;
        private final SkipCounter skipped = new SkipCounter();
        private int next;

        ListReader(List<Op> ops) {
            this.ops = new ArrayList<>(ops);
        }

        @Override
        public boolean next(TraceRecord.Mutable into) {
            if (next == ops.size()) {
                return false;
            }
            Op o = ops.get(next);
            long length = o.op() == TraceOp.FLUSH ? 0 : (long) o.sectors() * SECTOR;
            into.set(next * 10L, o.op(), o.op() == TraceOp.FLUSH ? 0 : o.first() * SECTOR, length, next, 0);
            next++;
            return true;
        }

        @Override
        public TraceFormat format() {
            return TraceFormat.FIO_IOLOG;
        }

        @Override
        public Path path() {
            return Path.of("list");
        }

        @Override
        public SkipCounter skipped() {
            return skipped;
        }

        @Override
        public void close() {
        }
    }
}
