package ai.omninode.onex.contract;

import java.util.Locale;

/**
 * How much a {@link Problem} matters. An error makes a document invalid; a warning is something accepted but
 * ignored or suspicious ({@code onex validate --strict} counts it as an error); a note only informs (a file that was
 * skipped), and never fails anything.
 */
public enum Severity {
    ERROR, WARNING, NOTE;

    /** {@code error}, {@code warning} or {@code note}: how compilers, SARIF and CI annotations spell it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
