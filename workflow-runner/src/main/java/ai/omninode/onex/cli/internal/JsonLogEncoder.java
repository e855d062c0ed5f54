package ai.omninode.onex.cli.internal;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * {@code ONEX_LOG_FORMAT=json}: logback's {@link JsonEncoder}, with {@code message} the rendered message. Logback's own
 * writes the pattern ({@code "Workflow {}: trigger {} ran ..."}) as {@code message} and the values apart under
 * {@code arguments}, which a log search by message text never finds. The values of secret settings are hidden
 * ({@link LogSecrets}).
 */
public final class JsonLogEncoder extends JsonEncoder {
    public JsonLogEncoder() {
        setWithArguments(false); // they are in the message now
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return LogSecrets.redact(super.encode(rendered(event)));
    }

    /** {@code event} as seen through its formatted message. */
    static ILoggingEvent rendered(ILoggingEvent event) {
        if (event.getArgumentArray() == null || event.getArgumentArray().length == 0) {
            return event; // its message is what it says already
        }
        return (ILoggingEvent) Proxy.newProxyInstance(ILoggingEvent.class.getClassLoader(),
                new Class<?>[] {ILoggingEvent.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getMessage" -> event.getFormattedMessage();
                    case "getArgumentArray" -> null;
                    default -> {
                        try {
                            yield method.invoke(event, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                });
    }
}
