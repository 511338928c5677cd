package org.ubdjava.core.format;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.io.RegularFiles;

/**
 * An open COW file: its header, geometry and bitmap, read once. Read-only: the tools that change
 * a COW file (the driver, rebase) open their own channel with the locks they need.
 */
public final class CowFile implements Closeable {
    /** What {@link RegularFiles#require} calls a COW file in its refusal. */
    public static final String ROLE = "a COW file";

    private final Path path;
    private final FileChannel channel;
    private final CowHeader header;
    private final CowGeometry geometry;
    private final CowBitmap bitmap;

    private CowFile(Path path, FileChannel channel, CowHeader header, CowBitmap bitmap) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        this.geometry = header.geometry();
        this.bitmap = bitmap;
    }

    /** Opens and reads a COW file; anything but a regular file is refused before the open (a FIFO would block it). */
    public static CowFile open(Path path) {
        RegularFiles.require(path, ROLE);
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UbdException(path + ": " + CowPaths.describe(e), e);
        }
        try {
            CowHeader h = CowHeaderReader.read(ch, path.toString());
            CowGeometry g = h.geometry();
            g.requireBitmapFitsHeap(path.toString());
            CowBitmap bm = CowBitmap.read(ch, g.bitmapOffset(), g.bitmapBytes(), g.coveredSectors());
            return new CowFile(path, ch, h, bm);
        } catch (IOException e) {
            Cleanup.closeQuietly(ch);
            throw new UbdException(path + ": cannot read: " + CowPaths.describe(e), e);
        } catch (RuntimeException e) {
            Cleanup.closeQuietly(ch);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public FileChannel channel() {
        return channel;
    }

    public CowHeader header() {
        return header;
    }

    public CowGeometry geometry() {
        return geometry;
    }

    public CowBitmap bitmap() {
        return bitmap;
    }

    /** The backing file the header names, resolved against the current directory when relative. */
    public Path headerBackingPath() {
        return CowPaths.resolve(header.backingFile());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
