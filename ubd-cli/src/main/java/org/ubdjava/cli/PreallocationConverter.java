package org.ubdjava.cli;

import org.ubdjava.core.format.Preallocation;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --preallocate off|falloc}, for every command that makes COW files; a wrong word is a wrong command line (exit 2). */
final class PreallocationConverter implements ITypeConverter<Preallocation> {
    @Override
    public Preallocation convert(String value) {
        try {
            return Preallocation.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
