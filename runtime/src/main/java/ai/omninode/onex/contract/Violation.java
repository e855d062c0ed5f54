package ai.omninode.onex.contract;

/**
 * One JSON Schema rule a value broke: the JSON pointer of the value ({@code ""} for the whole document), the
 * schema keyword ({@code required}, {@code type}, {@code maxLength}, ...) and a message that names both.
 */
public record Violation(String pointer, String keyword, String message) {

    /** The pointer as shown to people: {@code (root)} for the document itself. */
    public String displayPointer() {
        return pointer.isEmpty() ? "(root)" : pointer;
    }

    @Override
    public String toString() {
        return message + " [" + keyword + "]";
    }
}
