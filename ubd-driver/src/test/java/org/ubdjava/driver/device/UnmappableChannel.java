package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file whose {@code map} fails as the JDK's does when the process has used up its mappings
 * (vm.max_map_count): "Map failed", with the OutOfMemoryError of the last try as its cause. Every
 * other call goes to the real file.
 */
final class UnmappableChannel extends FileChannel {
    private final FileChannel file;
    int mapCalls;

    UnmappableChannel(FileChannel file) {
        this.file = file;
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        mapCalls++;
        throw new IOException("Map failed", new OutOfMemoryError("Map failed"));
    }

    @Override public int read(ByteBuffer dst) throws IOException { return file.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return file.read(dsts, offset, length); }
    @Override public int write(ByteBuffer src) throws IOException { return file.write(src); }
    @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException { return file.write(srcs, offset, length); }
    @Override public long position() throws IOException { return file.position(); }
    @Override public FileChannel position(long p) throws IOException { file.position(p); return this; }
    @Override public long size() throws IOException { return file.size(); }
    @Override public FileChannel truncate(long size) throws IOException { file.truncate(size); return this; }
    @Override public void force(boolean metaData) throws IOException { file.force(metaData); }
    @Override public long transferTo(long p, long n, WritableByteChannel target) throws IOException { return file.transferTo(p, n, target); }
    @Override public long transferFrom(ReadableByteChannel src, long p, long n) throws IOException { return file.transferFrom(src, p, n); }
    @Override public int read(ByteBuffer dst, long p) throws IOException { return file.read(dst, p); }
    @Override public int write(ByteBuffer src, long p) throws IOException { return file.write(src, p); }
    @Override public FileLock lock(long p, long n, boolean shared) throws IOException { return file.lock(p, n, shared); }
    @Override public FileLock tryLock(long p, long n, boolean shared) throws IOException { return file.tryLock(p, n, shared); }
    @Override protected void implCloseChannel() throws IOException { file.close(); }
}
