package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.RegularFiles;

/**
 * The kernel's read_cow_header: recognise the magic, pick the layout by version, decode. Then the
 * checks the kernel never made and crashes or misreads without: sector size and alignment must be
 * usable, and the geometry must fit in what the kernel's {@code int} offsets can address.
 */
public final class CowHeaderReader {
    /** The largest header layout: read this much, as the kernel reads the union of all layouts. */
    public static final int MAX_HEADER_SIZE = HeaderV3.BROKEN_SIZE;
    /** Magic plus version: anything shorter is a "short header". */
    public static final int MIN_HEADER_SIZE = 8;
    /** Sector sizes we accept: the tools only ever write 512; uml_moo honours larger powers of two. */
    public static final int MAX_SECTOR_SIZE = 1 << 16;
    /** The kernel keeps bitmap and data offsets in a C int. */
    public static final long MAX_OFFSET = Integer.MAX_VALUE;

    private CowHeaderReader() {
    }

    public static CowHeader read(Path file) {
        RegularFiles.require(file, CowFile.ROLE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, file.toString());
        } catch (IOException e) {
            throw new UbdException(file + ": cannot read: " + CowPaths.describe(e), e);
        }
    }

    public static CowHeader read(FileChannel channel, String source) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_HEADER_SIZE);
        while (buf.hasRemaining() && channel.read(buf, buf.position()) > 0) {
            // keep reading: a pipe or network file system may return short reads
        }
        try {
            return decode(buf.flip());
        } catch (CowFormatException e) {
            throw e.in(source);
        }
    }

    /**
     * Decodes the first bytes of a file ({@code header.limit()} is how many were read).
     *
     * @throws CowFormatException with {@link CowFormatException#notCow()} set when the magic is absent
     */
    public static CowHeader decode(ByteBuffer header) {
        int n = header.remaining();
        ByteBuffer buf = header.slice();
        if (n < MIN_HEADER_SIZE) {
            throw new CowFormatException("read_cow_header - short header (" + n + " bytes)");
        }
        ByteOrder magicOrder;
        int version;
        if (buf.order(ByteOrder.LITTLE_ENDIAN).getInt(0) == CowMagic.MAGIC) {
            magicOrder = ByteOrder.LITTLE_ENDIAN;
        } else if (buf.order(ByteOrder.BIG_ENDIAN).getInt(0) == CowMagic.MAGIC) {
            magicOrder = ByteOrder.BIG_ENDIAN;
        } else {
            throw CowFormatException.badMagic();
        }
        // the magic's byte order decides how the version is read, and nothing else
        version = buf.order(magicOrder).getInt(4);
        HeaderLayout layout = switch (version) {
            case HeaderV1.VERSION -> HeaderV1.INSTANCE;
            case HeaderV2.VERSION -> HeaderV2.INSTANCE;
            case HeaderV3.VERSION -> HeaderV3.of(buf, n);
            default -> throw new CowFormatException("read_cow_header - invalid COW version " + Integer.toUnsignedString(version));
        };
        if (n < layout.headerSize()) {
            throw new CowFormatException("read_cow_header - failed to read V" + version + " header ("
                    + n + " of " + layout.headerSize() + " bytes)");
        }
        CowHeader h = layout.decode(buf, magicOrder);
        validate(h);
        return h;
    }

    private static void validate(CowHeader h) {
        int ss = h.sectorSize();
        if (ss < 512 || ss > MAX_SECTOR_SIZE || Integer.bitCount(ss) != 1) {
            throw new CowFormatException("invalid COW header, sector size " + Integer.toUnsignedString(ss)
                    + " (must be a power of two from 512 to " + MAX_SECTOR_SIZE + ")");
        }
        if (h.alignment() <= 0) {
            throw new CowFormatException("read_cow_header - invalid COW header, align == "
                    + Integer.toUnsignedString(h.alignment()));
        }
        if (h.size() < 0) {
            throw new CowFormatException("invalid COW header, backing size " + Long.toUnsignedString(h.size()));
        }
        // checked before the geometry is computed: near Long.MAX_VALUE its sums overflow into
        // negative offsets that would pass the test below (found by FuzzCowHeaderTest)
        if (h.size() > MAX_OFFSET * 8 * ss) {
            throw new CowFormatException("invalid COW header, backing size " + h.size()
                    + " needs a bitmap beyond what the kernel can address");
        }
        CowGeometry g = h.geometry();
        if (g.dataOffset() > MAX_OFFSET) {
            throw new CowFormatException("invalid COW header, backing size " + h.size()
                    + " puts the data at offset " + g.dataOffset() + ", beyond what the kernel can address");
        }
    }
}
