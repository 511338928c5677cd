package org.ubdjava.testsupport;

import java.nio.file.Path;
import java.util.Optional;

/** Where the real programs we compare against are, if installed (apt-get install uml-utilities user-mode-linux). */
public final class RealTools {
    private RealTools() {
    }

    public static Optional<Path> find(String program) {
        return org.ubdjava.realtools.Processes.onPath(program);
    }

    public static String umlMkcow() {
        return find("uml_mkcow").orElseThrow().toString();
    }

    public static String umlMoo() {
        return find("uml_moo").orElseThrow().toString();
    }
}
