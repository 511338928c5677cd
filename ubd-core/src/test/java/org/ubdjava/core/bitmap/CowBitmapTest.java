package org.ubdjava.core.bitmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class CowBitmapTest {

    /**
     * read() skips the file's holes: against a model, over sparse files with the bitmap at any
     * offset (v1 headers put it at odd ones), bits in scattered blocks, runs of written zeros, and
     * files that end inside the bitmap.
     */
    @Property(tries = 60)
    void readingASparseFileSkipsOnlyZeros(@ForAll @IntRange(min = 0, max = 9000) int offset,
                                          @ForAll @IntRange(min = 1, max = 3_000_000) int byteLength,
                                          @ForAll @IntRange(min = 0, max = 40) int writes,
                                          @ForAll long seed) throws java.io.IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("bitmap", ".cow");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            if (offset > 0) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xff}), offset - 1); // a header byte, never a bit
            }
            byte[] model = new byte[byteLength];
            for (int i = 0; i < writes; i++) {
                int at = random.nextInt(byteLength);
                byte[] chunk = new byte[Math.min(byteLength - at, 1 + random.nextInt(20_000))];
                if (random.nextInt(3) != 0) {
                    for (int j = 0; j < chunk.length; j += 1 + random.nextInt(5000)) {
                        chunk[j] = (byte) random.nextInt(256);
                    }
                }
                System.arraycopy(chunk, 0, model, at, chunk.length);
                ch.write(ByteBuffer.wrap(chunk), offset + (long) at);
            }
            long size = ch.size();
            if (random.nextBoolean() && size > offset) {
                long cut = offset + random.nextLong(size - offset + 1);
                ch.truncate(cut);
                java.util.Arrays.fill(model, (int) Math.min(byteLength, cut - offset), byteLength, (byte) 0);
            }
            long bits = byteLength * 8L - random.nextInt(8);
            CowBitmap read = CowBitmap.read(ch, offset, byteLength, bits);
            CowBitmap expected = new CowBitmap(bits, byteLength);
            expected.load(0, ByteBuffer.wrap(model));
            assertEquals(expected.cardinality(), read.cardinality());
            for (long b = expected.nextSet(0); b >= 0; b = expected.nextSet(b + 1)) {
                assertTrue(read.get(b), "bit " + b);
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void bitsAreLsbFirstWithinEachByte() {
        // as uml_mkcow and the kernel write them: bits 0, 3, 5 and 19 set give the bytes 29 00 08
        CowBitmap bm = new CowBitmap(20, 3);
        for (long s : new long[] {0, 3, 5, 19}) {
            bm.setRange(s, s + 1);
        }
        assertArrayEquals(new byte[] {0x29, 0x00, 0x08}, bm.toBytes());
        CowBitmap back = new CowBitmap(20, 3);
        back.load(0, ByteBuffer.wrap(new byte[] {0x29, 0x00, 0x08}));
        assertTrue(back.get(0) && back.get(3) && back.get(5) && back.get(19));
        assertFalse(back.get(1) || back.get(18));
        assertEquals(4, back.cardinality());
    }

    @Test
    void bitsPastTheDeviceEndAreIgnored() {
        CowBitmap bm = new CowBitmap(20, 3);
        bm.load(0, ByteBuffer.wrap(new byte[] {0, 0, (byte) 0xF0}));
        assertEquals(0, bm.cardinality());
        assertEquals(-1, bm.nextSet(0));
    }

    @Test
    void setRangeReportsWhetherAnythingChanged() {
        CowBitmap bm = new CowBitmap(1000, 125);
        assertTrue(bm.setRange(60, 70));
        assertFalse(bm.setRange(61, 69));
        assertTrue(bm.setRange(69, 71));
        assertEquals(11, bm.cardinality());
        bm.clearRange(60, 71);
        assertEquals(0, bm.cardinality());
    }

    @Test
    void scansOverTenGibDevice() {
        long sectors = 20L * 1024 * 1024; // 10 GiB
        CowBitmap bm = new CowBitmap(sectors, sectors / 8);
        bm.setRange(sectors - 3, sectors);
        bm.setRange(12_345_678, 12_345_700);
        assertEquals(12_345_678, bm.nextSet(0));
        assertEquals(12_345_700, bm.nextClear(12_345_678));
        assertEquals(sectors - 3, bm.nextSet(12_345_700));
        assertEquals(sectors, bm.nextClear(sectors - 3));
        assertEquals(25, bm.cardinality());
    }

    @Test
    void aBitmapCostsWhatWasWrittenNotTheDevicesSize() {
        long sectors = 32L * 1024 * 1024 * 1024 / 512;
        CowBitmap bm = new CowBitmap(sectors, sectors / 8);
        assertEquals(0, bm.allocatedPages());
        bm.load(0, ByteBuffer.allocate(1 << 20));
        assertEquals(0, bm.allocatedPages(), "loading zeros allocates nothing");
        bm.setRange(100, 108);
        bm.setRange(sectors - 1, sectors);
        assertEquals(2, bm.allocatedPages());
        assertEquals(sectors - 1, bm.nextSet(108), "scans skip absent pages");
        assertEquals(108, bm.nextClear(100));
    }

    @Test
    void concurrentSettersLoseNoBit() throws Exception {
        int threads = 4;
        long sectors = 1 << 16;
        CowBitmap bm = new CowBitmap(sectors, sectors / 8);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            int id = t;
            // interleaved single bits: every word is contended by every thread
            pool.submit(() -> {
                go.await();
                for (long s = id; s < sectors; s += threads) {
                    bm.setRange(s, s + 1);
                }
                return null;
            });
        }
        go.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(sectors, bm.cardinality());
    }

    record Op(boolean set, int from, int len) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.of(true, true, true, false),
                Arbitraries.integers().between(0, 999), Arbitraries.integers().between(0, 200)).as(Op::new);
        return op.list().ofMaxSize(40);
    }

    @Provide
    Arbitrary<List<Op>> sparseOps() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.of(true, true, true, false),
                Arbitraries.integers().between(0, 40_000), Arbitraries.integers().between(0, 9000)).as(Op::new);
        return op.list().ofMaxSize(12);
    }

    /** Ranges across many pages, most of them never touched. */
    @Property(tries = 200)
    void behavesLikeBitSetAcrossPages(@ForAll("sparseOps") List<Op> ops, @ForAll @IntRange(min = 4097, max = 40_000) int bits) {
        behavesLikeBitSet(ops, bits);
    }

    /** Against java.util.BitSet as the model: same bits, same scans, same bytes. */
    @Property(tries = 500)
    void behavesLikeBitSet(@ForAll("ops") List<Op> ops, @ForAll @IntRange(min = 1, max = 1000) int bits) {
        CowBitmap bm = new CowBitmap(bits, (bits + 7) / 8);
        BitSet model = new BitSet();
        for (Op op : ops) {
            int from = Math.min(op.from(), bits);
            int to = Math.min(bits, from + op.len());
            if (op.set()) {
                boolean changed = bm.setRange(from, to);
                BitSet before = (BitSet) model.clone();
                model.set(from, to);
                assertEquals(!before.equals(model), changed);
            } else {
                bm.clearRange(from, to);
                model.clear(from, to);
            }
        }
        assertEquals(model.cardinality(), bm.cardinality());
        for (int i = 0; i <= bits; i++) {
            if (i < bits) {
                assertEquals(model.get(i), bm.get(i));
            }
            int ns = model.nextSetBit(i);
            assertEquals(ns < 0 || ns >= bits ? -1 : ns, bm.nextSet(i));
            assertEquals(Math.min(bits, model.nextClearBit(i)), bm.nextClear(i));
        }
        byte[] expected = java.util.Arrays.copyOf(model.toByteArray(), (bits + 7) / 8);
        assertArrayEquals(expected, bm.toBytes());
    }

    /** The bounded searches agree with a bit-by-bit scan, including past bits() (clear) and at word edges. */
    @Property(tries = 300)
    void boundedSearchesMatchABitByBitScan(@ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 700) int bits,
                                           @ForAll long seed) {
        CowBitmap b = new CowBitmap(bits, (bits + 7) / 8);
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < bits; i++) {
            if (r.nextInt(4) == 0) {
                b.setRange(i, Math.min(bits, i + 1 + r.nextInt(70)));
            }
        }
        for (int t = 0; t < 50; t++) {
            long from = r.nextInt(bits + 80);
            long limit = from + r.nextInt(200);
            long wantSet = limit;
            for (long s = from; s < limit; s++) {
                if (s < bits && b.get(s)) {
                    wantSet = s;
                    break;
                }
            }
            org.junit.jupiter.api.Assertions.assertEquals(wantSet, b.nextSet(from, limit), "nextSet(" + from + ", " + limit + ")");
            if (from < bits) {
                long wantClear = limit;
                for (long s = from; s < limit; s++) {
                    if (s >= bits || !b.get(s)) {
                        wantClear = s;
                        break;
                    }
                }
                org.junit.jupiter.api.Assertions.assertEquals(wantClear, b.nextClear(from, limit), "nextClear(" + from + ", " + limit + ")");
            }
        }
    }
}
