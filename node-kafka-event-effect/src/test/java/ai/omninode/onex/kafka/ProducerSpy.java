package ai.omninode.onex.kafka;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;

/** A real producer seen through a proxy: tests count its sends, or wrap their callbacks. */
final class ProducerSpy {
    private ProducerSpy() {
    }

    /**
     * {@code real}, except that every {@code send} first hands its arguments to {@code beforeSend}, which may replace
     * them (the callback, say).
     */
    @SuppressWarnings("unchecked")
    static Producer<byte[], byte[]> onSend(Producer<byte[], byte[]> real, Consumer<Object[]> beforeSend) {
        return (Producer<byte[], byte[]>) Proxy.newProxyInstance(ProducerSpy.class.getClassLoader(),
                new Class<?>[] {Producer.class}, (p, method, args) -> {
                    if (method.getName().equals("send")) {
                        beforeSend.accept(args);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
