package org.ubdjava.driver.device;

import org.ubdjava.core.nativeio.NotSupportedException;

/** The 't' flag on a raw image: discard and write-zeroes are not offered. */
final class NoTrimDevice extends ForwardingDevice {
    NoTrimDevice(BlockDevice inner) {
        super(inner);
    }

    @Override
    public void discard(long offset, long length) throws NotSupportedException {
        throw new NotSupportedException("discard is off for this device ('t')");
    }

    @Override
    public void writeZeroes(long offset, long length) throws NotSupportedException {
        throw new NotSupportedException("write-zeroes is off for this device ('t')");
    }
}
