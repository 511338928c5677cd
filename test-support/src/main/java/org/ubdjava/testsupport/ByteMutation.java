package org.ubdjava.testsupport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * One change to a valid input, as a fuzzer makes them: a bit flip, a truncation, an extension, or
 * a field overwritten with a boundary value. Applied in sequence to a seed, a list of these walks
 * from valid inputs into the corners a parser must survive. Each mutation prints itself so a
 * failing input can be rebuilt by hand.
 */
public sealed interface ByteMutation {
    /** Values at the edges of the integer types and of the format's own numbers (512, 4096, ...). */
    long[] BOUNDARIES = {0, 1, 2, 7, 8, 255, 256, 511, 512, 513, 4095, 4096, 4097, 4128, 8192, 65535, 65536, 1L << 20,
        Integer.MAX_VALUE, 1L << 31, 0xFFFF_FFFFL, 1L << 32, 1L << 40, 1L << 50, Long.MAX_VALUE, Long.MAX_VALUE - 511,
        -1, -512, Integer.MIN_VALUE, Long.MIN_VALUE};

    byte[] apply(byte[] in);

    record FlipBit(int at, int bit) implements ByteMutation {
        @Override
        public byte[] apply(byte[] in) {
            if (in.length == 0) {
                return in;
            }
            byte[] out = in.clone();
            out[Math.floorMod(at, in.length)] ^= (byte) (1 << bit);
            return out;
        }
    }

    record Truncate(int length) implements ByteMutation {
        @Override
        public byte[] apply(byte[] in) {
            return Arrays.copyOf(in, Math.min(in.length, length));
        }
    }

    record Extend(byte[] tail) implements ByteMutation {
        @Override
        public byte[] apply(byte[] in) {
            byte[] out = Arrays.copyOf(in, in.length + tail.length);
            System.arraycopy(tail, 0, out, in.length, tail.length);
            return out;
        }

        @Override
        public String toString() {
            return "Extend[" + HexFormat.of().formatHex(tail) + "]";
        }
    }

    /** Writes {@code width} bytes of {@code value} at {@code at}, in either byte order. */
    record Overwrite(int at, int width, long value, boolean bigEndian) implements ByteMutation {
        @Override
        public byte[] apply(byte[] in) {
            if (at + width > in.length) {
                return in;
            }
            ByteBuffer b = ByteBuffer.wrap(in.clone()).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            switch (width) {
                case 1 -> b.put(at, (byte) value);
                case 2 -> b.putShort(at, (short) value);
                case 4 -> b.putInt(at, (int) value);
                default -> b.putLong(at, value);
            }
            return b.array();
        }
    }

    public static byte[] applyAll(byte[] seed, List<ByteMutation> mutations) {
        byte[] b = seed;
        for (ByteMutation m : mutations) {
            b = m.apply(b);
        }
        return b;
    }

    /**
     * Mutations for inputs up to {@code maxLength} bytes; overwrites land on one of {@code fields}
     * (the format's field offsets, where boundary values matter) half the time, anywhere otherwise.
     */
    public static Arbitrary<ByteMutation> any(int maxLength, int... fields) {
        Arbitrary<Integer> anywhere = Arbitraries.integers().between(0, maxLength);
        Arbitrary<Integer> offsets = fields.length == 0 ? anywhere
                : Arbitraries.oneOf(anywhere, Arbitraries.of(Arrays.stream(fields).boxed().toList()));
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.of(Arrays.stream(BOUNDARIES).boxed().toList()),
                Arbitraries.longs());
        Arbitrary<ByteMutation> flip = Combinators.combine(anywhere, Arbitraries.integers().between(0, 7)).as(FlipBit::new);
        Arbitrary<ByteMutation> cut = Arbitraries.oneOf(Arbitraries.integers().between(0, maxLength),
                Arbitraries.of(Arrays.stream(fields).boxed().toList().isEmpty() ? List.of(0) : Arrays.stream(fields).boxed().toList()))
                .map(Truncate::new);
        Arbitrary<ByteMutation> extend = Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(Extend::new);
        Arbitrary<ByteMutation> overwrite = Combinators.combine(offsets, Arbitraries.of(1, 2, 4, 8), values, Arbitraries.of(true, false))
                .as(Overwrite::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, flip),
                net.jqwik.api.Tuple.of(1, cut),
                net.jqwik.api.Tuple.of(1, extend),
                net.jqwik.api.Tuple.of(4, overwrite));
    }
}
