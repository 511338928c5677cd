package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.CRC32C;

import org.ubdjava.core.io.Buffers;

/**
 * Where a v3 COW file keeps its backing file's content identity, and the record's bytes. This
 * class is the only code that knows them.
 *
 * <p><b>Where.</b> At {@link #OFFSET} = 4136, the size of the largest header layout (broken v3):
 * read_cow_header reads exactly that many bytes, so neither the kernel nor uml_moo ever reads a
 * byte from here on before the bitmap. Nobody writes here either: creators write the 4128-byte
 * header and one byte at the end of the file (the bytes up to the bitmap stay a hole); the
 * kernel's backing-file switch writes the header again, 4128 bytes from offset 0, which leaves the
 * record alone (and the record stays valid, as a switch requires the same size and mtime); bitmap
 * write-backs start at bitmap_offset, or at bitmap_offset - 8 for a one-word bitmap (bug B4), which
 * {@link #KERNEL_SPILL} keeps clear of. With the alignment every tool writes (4096) the bitmap
 * starts at 8192, leaving ample room. v1 and v2 have no such bytes (their bitmap follows the
 * header directly, and the kernel's switch writes a v3 header over them), so only v3 files carry
 * an identity.
 *
 * <p><b>What a rewrite does to it.</b> {@code uml_mkcow -f} over an existing COW file writes a new
 * header and keeps the old bytes after it: the record survives, describing the old backing file.
 * That is why the record repeats the header's size and mtime: a record whose pair differs from the
 * header's is {@link ContentIdState.Kind#STALE} and is never used to find a file.
 *
 * <p><b>The record</b> (big-endian, like the v3 header):
 * <pre>
 *   0   8  tag "UBDJ-CID"
 *   8   2  record version (1)
 *  10   2  algorithm ({@link DigestAlgorithm#id()})
 *  12   2  digest length
 *  14   2  zero
 *  16   8  backing file size (= header size when valid)
 *  24   4  backing file mtime as the header stores it (= header mtime when valid)
 *  28   4  zero
 *  32  64  digest, zero-padded
 *  96   4  CRC-32C of bytes 0..95: a torn or foreign write is not taken for an id
 * </pre>
 */
public final class ContentIdLayout {
    /** The first byte no reader of any header layout reads (the size of the broken v3 layout, the largest). */
    public static final int OFFSET = HeaderV3.BROKEN_SIZE;

    public static final int OFF_TAG = 0;
    public static final int TAG_LENGTH = 8;
    public static final int OFF_RECORD_VERSION = 8;
    public static final int OFF_ALGORITHM = 10;
    public static final int OFF_DIGEST_LENGTH = 12;
    public static final int OFF_RESERVED_16 = 14;
    public static final int OFF_SIZE = 16;
    public static final int OFF_MTIME = 24;
    public static final int OFF_RESERVED_32 = 28;
    public static final int OFF_DIGEST = 32;
    public static final int DIGEST_FIELD_LENGTH = 64;
    public static final int OFF_CHECKSUM = 96;
    /** Bytes of the record. */
    public static final int LENGTH = 100;
    /** One past the record's last byte in the file. */
    public static final int END = OFFSET + LENGTH;

    public static final int RECORD_VERSION = 1;
    /** Bytes before the bitmap the kernel may write: a one-word bitmap is written back from bitmap_offset - 8 (B4). */
    public static final int KERNEL_SPILL = 8;

    private static final byte[] TAG = "UBDJ-CID".getBytes(StandardCharsets.US_ASCII);

    private ContentIdLayout() {
    }

    /** Why this header cannot carry a record, or empty when it can. */
    public static Optional<String> noRoom(CowHeader header) {
        if (!(header.layout() instanceof HeaderV3)) {
            return Optional.of("a v" + header.version() + " header has no unused bytes for a content id (v3 only)");
        }
        long bitmapOffset = header.geometry().bitmapOffset();
        if (bitmapOffset < END + KERNEL_SPILL) {
            return Optional.of("alignment " + header.alignment() + " puts the bitmap at " + bitmapOffset
                    + ", leaving no unused bytes for a content id (needs bytes " + OFFSET + " to " + (END + KERNEL_SPILL) + ")");
        }
        return Optional.empty();
    }

    /** The record's bytes. */
    public static byte[] encode(ContentId id) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.BIG_ENDIAN);
        b.put(OFF_TAG, TAG);
        b.putShort(OFF_RECORD_VERSION, (short) RECORD_VERSION);
        b.putShort(OFF_ALGORITHM, (short) id.algorithm().id());
        b.putShort(OFF_DIGEST_LENGTH, (short) id.algorithm().length());
        b.putLong(OFF_SIZE, id.size());
        b.putInt(OFF_MTIME, (int) id.mtime());
        b.put(OFF_DIGEST, id.digest());
        b.putInt(OFF_CHECKSUM, checksum(b));
        return b.array();
    }

    /** Puts the record into {@code fileStart}, the file's bytes from offset 0 (at least {@link #END} of them). */
    public static void put(ByteBuffer fileStart, ContentId id) {
        fileStart.put(OFFSET, encode(id));
    }

    /**
     * Whether the record's place is free for one: all zeros (a hole, as creators leave it) or a
     * record of ours. Anything else is another program's and is not overwritten.
     */
    public static boolean free(ByteBuffer record) {
        return hasTag(record) || Buffers.isZero(record, 0, LENGTH);
    }

    /**
     * Reads the record of {@code header}'s file: {@code record} holds the {@link #LENGTH} bytes at
     * {@link #OFFSET}.
     */
    public static ContentIdState decode(ByteBuffer record, CowHeader header) {
        Optional<String> noRoom = noRoom(header);
        if (noRoom.isPresent()) {
            return new ContentIdState(ContentIdState.Kind.NO_ROOM, null, noRoom.get());
        }
        if (!hasTag(record)) {
            return ContentIdState.none();
        }
        ByteBuffer b = record.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (b.getInt(OFF_CHECKSUM) != checksum(b)) {
            return damaged("its checksum does not match (a torn write, or another program's bytes)");
        }
        int version = Short.toUnsignedInt(b.getShort(OFF_RECORD_VERSION));
        if (version != RECORD_VERSION) {
            return damaged("record version " + version + " is unknown (a newer ubd?)");
        }
        int algorithmId = Short.toUnsignedInt(b.getShort(OFF_ALGORITHM));
        Optional<DigestAlgorithm> algorithm = DigestAlgorithm.byId(algorithmId);
        if (algorithm.isEmpty()) {
            return damaged("digest algorithm " + algorithmId + " is unknown (a newer ubd?)");
        }
        int length = Short.toUnsignedInt(b.getShort(OFF_DIGEST_LENGTH));
        if (length != algorithm.get().length()) {
            return damaged(algorithm.get().displayName() + " digest of " + length + " bytes");
        }
        byte[] digest = new byte[length];
        b.get(OFF_DIGEST, digest);
        ContentId id = new ContentId(algorithm.get(), b.getLong(OFF_SIZE), Integer.toUnsignedLong(b.getInt(OFF_MTIME)), digest);
        if (id.size() != header.size() || id.mtime() != header.mtime()) {
            return new ContentIdState(ContentIdState.Kind.STALE, id, "the content id was taken of a backing file of "
                    + id.size() + " bytes, mtime " + id.mtime() + ", but the header names one of " + header.size()
                    + " bytes, mtime " + header.mtime() + " (the header was rewritten by a tool that does not know the id)");
        }
        return new ContentIdState(ContentIdState.Kind.VALID, id, null);
    }

    /** Reads the record from an open COW file whose header was read. */
    public static ContentIdState read(FileChannel cow, CowHeader header) throws IOException {
        if (noRoom(header).isPresent()) {
            return decode(ByteBuffer.allocate(LENGTH), header);
        }
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        Buffers.readOrZeros(cow, b, OFFSET);
        return decode(b.flip(), header);
    }

    private static ContentIdState damaged(String why) {
        return new ContentIdState(ContentIdState.Kind.DAMAGED, null, "content id record is damaged: " + why);
    }

    private static boolean hasTag(ByteBuffer record) {
        for (int i = 0; i < TAG_LENGTH; i++) {
            if (record.get(OFF_TAG + i) != TAG[i]) {
                return false;
            }
        }
        return true;
    }

    private static int checksum(ByteBuffer record) {
        CRC32C crc = new CRC32C();
        crc.update(record.duplicate().position(0).limit(OFF_CHECKSUM));
        return (int) crc.getValue();
    }
}
