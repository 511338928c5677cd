package org.ubdjava.cli;

import org.ubdjava.driver.device.AllocationUnitDevice;

import picocli.CommandLine;

/** {@code --alloc-unit}: a size as {@link SizeConverter} reads it, or 0; a unit the driver refuses is a wrong command line (exit 2). */
public final class AllocationUnitConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        long bytes = value.trim().equals("0") ? 0 : new SizeConverter().convert(value);
        try {
            return AllocationUnitDevice.requireUnit(bytes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
