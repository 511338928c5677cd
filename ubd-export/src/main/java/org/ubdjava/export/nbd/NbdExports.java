package org.ubdjava.export.nbd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import org.ubdjava.core.UbdException;

/** The exports of one server, in the order their SPECs were given. The empty name means the first. */
final class NbdExports {
    private final List<NbdExport> exports;

    NbdExports(List<NbdExport> exports) {
        if (exports.isEmpty()) {
            throw new IllegalArgumentException("no exports");
        }
        List<String> seen = new ArrayList<>();
        for (NbdExport e : exports) {
            if (seen.contains(e.name())) {
                throw new UbdException(e.name() + " is given twice");
            }
            seen.add(e.name());
        }
        this.exports = Collections.unmodifiableList(new ArrayList<>(exports));
    }

    List<NbdExport> all() {
        return exports;
    }

    Optional<NbdExport> find(String name) {
        if (name.isEmpty()) {
            return Optional.of(exports.get(0));
        }
        return exports.stream().filter(e -> e.name().equals(name)).findFirst();
    }
}
