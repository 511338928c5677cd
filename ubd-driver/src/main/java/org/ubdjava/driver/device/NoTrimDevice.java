package org.ubdjava.driver.device;

import org.ubdjava.core.nativeio.NotSupportedException;

/**
 * The 't' flag: discard and write-zeroes are not offered (the kernel sets neither limit for such
 * a device). The one place trim is switched off, over a raw image or a COW device alike.
 */
public final class NoTrimDevice extends ForwardingDevice {
    public NoTrimDevice(BlockDevice inner) {
        super(inner);
    }

    @Override
    public boolean canTrim() {
        return false;
    }

    @Override
    public boolean canZero() {
        return false;
    }

    @Override
    public boolean fastZero() {
        return false;
    }

    @Override
    public void discard(long offset, long length) throws NotSupportedException {
        throw new NotSupportedException("discard is off for this device ('t')");
    }

    @Override
    public void writeZeroes(long offset, long length, boolean fastOnly) throws NotSupportedException {
        throw new NotSupportedException("write-zeroes is off for this device ('t')");
    }
}
