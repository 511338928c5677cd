package org.ubdjava.cli;

import org.ubdjava.driver.cache.CachePolicy;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A cache policy option's value ({@code --policy}, {@code --cache-policy}): converted while the
 * command line is parsed, so a wrong name exits 2 with picocli's "Invalid value for option" line,
 * which names the option, before any file is made. 'none' is refused: every option taking a policy
 * is about a cache that exists.
 */
public final class CachePolicyConverter implements ITypeConverter<CachePolicy> {
    @Override
    public CachePolicy convert(String value) {
        CachePolicy p;
        try {
            p = CachePolicy.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
        if (p == CachePolicy.NONE) {
            throw new TypeConversionException("'" + value + "' is no cache to study: name a policy (" + CachePolicy.names() + ")");
        }
        return p;
    }
}
