package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ubdjava.core.device.HostFile;
import org.ubdjava.core.nativeio.DataMap;
import org.ubdjava.core.nativeio.MappedImage;

/**
 * A COW device's backing file, read through one read-only mapping shared by every disk over it
 * ({@link MappedImage#shared}): a read is a copy out of the host's page cache, with no system
 * call, about a third of the cost of a pread for 4 KiB. The backing file never changes while a
 * disk uses it (the kernel's rule; the driver notices a change at the next flush), which is what
 * makes a mapping safe; holes read as zeros without being touched (tmpfs would fill them). Were
 * it truncated all the same, a read of what vanished is an I/O error ({@link MappedImage#copy}).
 * Read-only; it never closes the file, whose descriptor (and lock) belongs to the disk's files.
 */
public final class MappedBackingDevice implements BackingDevice {
    private final HostFile file;
    private final MappedImage image;
    private final long size;
    private boolean closed;

    private MappedBackingDevice(HostFile file, MappedImage image, long size) {
        this.file = file;
        this.image = image;
        this.size = size;
    }

    /** The backing file {@code file} as a device of {@code size} bytes (zeros past the file's end). */
    public static MappedBackingDevice open(HostFile file, long size) throws IOException {
        try {
            return new MappedBackingDevice(file, MappedImage.shared(file.key(), file.channel()), size);
        } catch (IOException e) {
            throw new IOException(file.path() + ": cannot map the backing file: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return file.path().toString();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        try {
            image.copy(offset, dst, dst.position(), dst.remaining(), file.channel());
        } catch (MappedImage.ShrankException e) {
            throw new IOException("backing file \"" + file.path() + "\" shrank under the device (a fault in its mapping)", e);
        } catch (IOException e) {
            throw new IOException("backing file \"" + file.path() + "\": " + e.getMessage(), e);
        }
    }

    /** The file's data and holes, as {@link FileDevice} reports them; past its end, a hole. */
    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        ExtentSink.fromFile(DataMap.of(file.channel()), 0, offset, length, sink);
    }

    /** The host's page cache is the only cache here, and it fills on the copy that follows. */
    @Override
    public void prefetch(long offset, long length) {
        // nothing to do
    }

    /** Gives back this disk's share of the mapping; the file stays open (it is the disk's). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            MappedImage.release(file.key());
        }
    }
}
