package org.ubdjava.harness.trace;

import java.util.Objects;

/**
 * One I/O request of a trace, as the trace states it (not yet fitted to a device, see
 * {@link DeviceClipper}).
 *
 * <p>Invariants: {@code timestampMicros >= 0}, or {@link #NO_TIMESTAMP} when the format has no
 * clock; {@code offset >= 0} and {@code length >= 0} in bytes; a {@link TraceOp#FLUSH} has offset
 * and length 0; {@code position >= 1} is the line number (text formats) or record number (binary
 * formats) for messages; {@code flags} is a set of the {@code FLAG_} bits.
 *
 * @param timestampMicros microseconds since the start of the trace, or {@link #NO_TIMESTAMP}
 * @param op what the request does
 * @param offset first byte
 * @param length bytes
 * @param position 1-based line or record number in the trace file
 * @param flags {@code FLAG_} bits
 */
public record TraceRecord(long timestampMicros, TraceOp op, long offset, long length, long position, int flags) {
    /** The timestamp of a record whose format has no clock (fio iolog v2). */
    public static final long NO_TIMESTAMP = -1;
    /** Everything written before this request must be durable before it runs (blkparse leading F). */
    public static final int FLAG_PREFLUSH = 1;
    /** This write must be durable when it completes (blkparse F after the operation letter). */
    public static final int FLAG_FUA = 2;
    /** The submitter waits for it (blkparse S); a hint only. */
    public static final int FLAG_SYNC = 4;
    /** Filesystem metadata (blkparse M); a hint only. */
    public static final int FLAG_META = 8;
    /** Read-ahead (blkparse A); a hint only. */
    public static final int FLAG_READAHEAD = 16;

    public TraceRecord {
        Objects.requireNonNull(op, "op");
        if (timestampMicros < NO_TIMESTAMP || offset < 0 || length < 0 || position < 1) {
            throw new IllegalArgumentException("bad trace record: ts=" + timestampMicros + " offset=" + offset
                    + " length=" + length + " position=" + position);
        }
        if (op == TraceOp.FLUSH && (offset != 0 || length != 0)) {
            throw new IllegalArgumentException("a FLUSH record has no range: offset=" + offset + " length=" + length);
        }
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    /** First byte after the request. */
    public long end() {
        return offset + length;
    }

    /**
     * The reusable holder readers fill, so that reading a trace allocates nothing per record.
     * Readers establish the same invariants as {@link TraceRecord}; {@link #freeze()} checks them.
     */
    public static final class Mutable {
        private long timestampMicros = NO_TIMESTAMP;
        private TraceOp op = TraceOp.READ;
        private long offset;
        private long length;
        private long position = 1;
        private int flags;

        public Mutable set(long timestampMicros, TraceOp op, long offset, long length, long position, int flags) {
            this.timestampMicros = timestampMicros;
            this.op = op;
            this.offset = offset;
            this.length = length;
            this.position = position;
            this.flags = flags;
            return this;
        }

        /** Changes the byte range only (used by {@link DeviceClipper}). */
        public Mutable setRange(long offset, long length) {
            this.offset = offset;
            this.length = length;
            return this;
        }

        public long timestampMicros() {
            return timestampMicros;
        }

        public TraceOp op() {
            return op;
        }

        public long offset() {
            return offset;
        }

        public long length() {
            return length;
        }

        public long end() {
            return offset + length;
        }

        public long position() {
            return position;
        }

        public int flags() {
            return flags;
        }

        public boolean hasFlag(int flag) {
            return (flags & flag) != 0;
        }

        /** An immutable copy, for code that keeps records (tests, small traces). */
        public TraceRecord freeze() {
            return new TraceRecord(timestampMicros, op, offset, length, position, flags);
        }

        @Override
        public String toString() {
            return freeze().toString();
        }
    }
}
