package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.ubdjava.core.nativeio.DataMap;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.nativeio.NotSupportedException;

/** {@link HostIo} on a file channel's own descriptor (the one that holds the POSIX lock). */
public final class ChannelIo implements HostIo {
    private final FileChannel file;
    private final DataMap data;

    public ChannelIo(FileChannel file) {
        this.file = file;
        this.data = DataMap.of(file);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return file.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return file.write(src, position);
    }

    @Override
    public void sync() throws IOException {
        file.force(false);
    }

    @Override
    public long nextData(long from) throws IOException {
        return data.nextData(from);
    }

    @Override
    public long nextHole(long from) throws IOException {
        return data.nextHole(from);
    }

    @Override
    public void punchHole(long offset, long length) throws IOException {
        NativeFiles.punchHole(file, offset, length);
    }

    @Override
    public void zeroRange(long offset, long length) throws IOException {
        try {
            NativeFiles.zeroRange(file, offset, length);
        } catch (NotSupportedException e) {
            // a hole reads back as zeros too, on file systems without ZERO_RANGE
            NativeFiles.punchHole(file, offset, length);
        }
    }
}
