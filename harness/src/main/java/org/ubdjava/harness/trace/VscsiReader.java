package org.ubdjava.harness.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;

/**
 * CloudPhysics vscsi binary traces: fixed-size little-endian records, no header.
 *
 * <pre>
 * v1, 32 bytes                           v2, 40 bytes
 *  0 u32 serial number                    0 u16 SCSI opcode
 *  4 u32 length in bytes                  2 u16 record version (0x02xx)
 *  8 u32 scatter-gather entries           4 u32 serial number
 * 12 u16 SCSI opcode                      8 u32 length in bytes
 * 14 u16 record version (0x01xx)         12 u32 scatter-gather entries
 * 16 u64 logical block, 512-byte sectors 16 u64 logical block, 512-byte sectors
 * 24 u64 timestamp, microseconds         24 u64 timestamp, microseconds
 *                                        32 u64 response time
 * </pre>
 *
 * <p>The version is the high byte of the version field. Like libCacheSim's reader, the version is
 * told from the first two records (v2 tried first); unlike it, every record's version field is
 * then checked, so a file that is not a vscsi trace fails early instead of yielding nonsense.
 *
 * <p>Opcodes: READ(6/10/12/16) 0x08, 0x28, 0xa8, 0x88 are READ; WRITE 0x0a, 0x2a, 0xaa, 0x8a are
 * WRITE; SYNCHRONIZE CACHE(10/16) 0x35, 0x91 are FLUSH; any other command is counted under
 * {@value #OTHER_COMMANDS}. Timestamps are returned as microseconds since the first record.
 */
final class VscsiReader implements TraceReader {
    static final int V1_RECORD = 32;
    static final int V2_RECORD = 40;
    static final String OTHER_COMMANDS = "vscsi SCSI commands other than read, write, synchronize cache";
    /** Records looked at to tell the version, as libCacheSim does. */
    private static final int PROBE_RECORDS = 2;
    private static final int BUFFER_RECORDS = 2048;

    private final Path path;
    private final InputStream in;
    private final SkipCounter skipped = new SkipCounter();
    private final RelativeClock clock = new RelativeClock();
    /** Unconsumed bytes are {@code buffer[position .. limit)}. */
    private final ByteBuffer buffer;
    private final int version;
    private final int recordSize;
    private final String label;
    private long recordNumber;
    private boolean eof;

    VscsiReader(Path path, InputStream in) {
        this.path = path;
        this.in = in;
        // room for whole records of either version
        this.buffer = ByteBuffer.allocate(V1_RECORD * V2_RECORD / 8 * BUFFER_RECORDS).order(ByteOrder.LITTLE_ENDIAN);
        buffer.limit(0);
        fillAtLeast(PROBE_RECORDS * V2_RECORD);
        this.version = probeVersion(buffer);
        if (version == 0 && buffer.hasRemaining()) {
            if (buffer.remaining() < V1_RECORD) {
                throw TraceFormatException.atRecord(path, 1, "vscsi",
                        "truncated record: the file has " + buffer.remaining() + " bytes, a record " + V1_RECORD
                                + " (v1) or " + V2_RECORD + " (v2)");
            }
            throw TraceFormatException.atRecord(path, 1, "vscsi", String.format(
                    "not a vscsi record: version field 0x%04x (v1, at byte 14) / 0x%04x (v2, at byte 2), expected 0x01xx or 0x02xx",
                    buffer.getShort(buffer.position() + 14) & 0xffff, buffer.getShort(buffer.position() + 2) & 0xffff));
        }
        this.recordSize = version == 2 ? V2_RECORD : V1_RECORD;
        this.label = "vscsi v" + version;
    }

    /**
     * The version the first records of {@code head} agree on (1 or 2), or 0 if none or there are no
     * bytes; only whole records are looked at.
     */
    static int probeVersion(ByteBuffer head) {
        if (agree(head, 2, V2_RECORD, 2)) {
            return 2;
        }
        if (agree(head, 1, V1_RECORD, 14)) {
            return 1;
        }
        return 0;
    }

    private static boolean agree(ByteBuffer head, int version, int size, int versionOffset) {
        int records = Math.min(PROBE_RECORDS, head.remaining() / size);
        for (int i = 0; i < records; i++) {
            if (versionOf(head, head.position() + i * size + versionOffset) != version) {
                return false;
            }
        }
        return records > 0;
    }

    private static int versionOf(ByteBuffer b, int at) {
        return (b.getShort(at) & 0xffff) >>> 8;
    }

    @Override
    public boolean next(TraceRecord.Mutable into) {
        while (true) {
            if (buffer.remaining() < recordSize) {
                fillAtLeast(recordSize);
                if (buffer.remaining() == 0) {
                    return false;
                }
                if (buffer.remaining() < recordSize) {
                    throw TraceFormatException.atRecord(path, recordNumber + 1, label,
                            "truncated record: " + buffer.remaining() + " of " + recordSize + " bytes at the end of the file");
                }
            }
            recordNumber++;
            int at = buffer.position();
            buffer.position(at + recordSize);
            if (decode(at, into)) {
                return true;
            }
        }
    }

    private boolean decode(int at, TraceRecord.Mutable into) {
        int opcode;
        int versionField;
        long length;
        if (version == 1) {
            length = buffer.getInt(at + 4) & 0xffffffffL;
            opcode = buffer.getShort(at + 12) & 0xffff;
            versionField = buffer.getShort(at + 14) & 0xffff;
        } else {
            opcode = buffer.getShort(at) & 0xffff;
            versionField = buffer.getShort(at + 2) & 0xffff;
            length = buffer.getInt(at + 8) & 0xffffffffL;
        }
        long lba = buffer.getLong(at + 16);
        long micros = buffer.getLong(at + 24);
        if (versionField >>> 8 != version) {
            throw TraceFormatException.atRecord(path, recordNumber, label,
                    String.format("version field 0x%04x, expected 0x%02xxx like the first records", versionField, version));
        }
        if (micros < 0) {
            throw TraceFormatException.atRecord(path, recordNumber, label,
                    "timestamp " + Long.toUnsignedString(micros) + " us is beyond any clock");
        }
        TraceOp op = switch (opcode) {
            case 0x08, 0x28, 0xa8, 0x88 -> TraceOp.READ;
            case 0x0a, 0x2a, 0xaa, 0x8a -> TraceOp.WRITE;
            case 0x35, 0x91 -> TraceOp.FLUSH;
            default -> null;
        };
        long time = clock.since(micros);
        if (op == null) {
            skipped.add(OTHER_COMMANDS);
            return false;
        }
        if (op == TraceOp.FLUSH) {
            into.set(time, op, 0, 0, recordNumber, 0);
            return true;
        }
        if (lba < 0 || lba > (Long.MAX_VALUE - length) >> 9) {
            throw TraceFormatException.atRecord(path, recordNumber, label,
                    "logical block " + Long.toUnsignedString(lba) + " is beyond any disk");
        }
        into.set(time, op, lba << 9, length, recordNumber, 0);
        return true;
    }

    /** Reads until {@code n} bytes are buffered or the file ends. */
    private void fillAtLeast(int n) {
        if (buffer.remaining() >= n || eof) {
            return;
        }
        buffer.compact();
        try {
            while (buffer.position() < n && !eof) {
                int got = in.read(buffer.array(), buffer.position(), buffer.capacity() - buffer.position());
                if (got < 0) {
                    eof = true;
                } else {
                    buffer.position(buffer.position() + got);
                }
            }
        } catch (IOException e) {
            throw new UbdException(path + ": cannot read: " + e.getMessage(), e);
        } finally {
            buffer.flip();
        }
    }

    /** 1 or 2, or 0 for an empty file. */
    int version() {
        return version;
    }

    @Override
    public TraceFormat format() {
        return TraceFormat.VSCSI;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public SkipCounter skipped() {
        return skipped;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UbdException(path + ": cannot close: " + e.getMessage(), e);
        }
    }
}
