package ai.omninode.onex.cli.internal;

import java.util.List;
import java.util.Stack;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Takes {@code --input KEY=VALUE} as the usage line writes it, {@code --input k=v ...}: the value after the option,
 * then every following argument that is a {@code KEY=VALUE} (or {@code KEY:=JSON}) too, so that
 * {@code --input a=1 b=2} and {@code --input a=1 --input b=2} mean the same. An argument without {@code =}, or one
 * that starts with {@code -}, ends the list: the workflow file after it stays the workflow file.
 */
public final class KeyValueArguments implements CommandLine.IParameterConsumer {

    @Override
    public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
        if (args.isEmpty() || commandSpec.optionsMap().containsKey(args.peek())) {
            String name = argSpec instanceof OptionSpec o ? o.longestName() : argSpec.paramLabel();
            throw new CommandLine.MissingParameterException(commandSpec.commandLine(), argSpec,
                    "Missing required parameter for option '" + name + "' (" + argSpec.paramLabel() + ")");
        }
        List<String> values = argSpec.getValue();
        values.add(args.pop());
        while (!args.isEmpty() && isKeyValue(args.peek())) {
            values.add(args.pop());
        }
    }

    static boolean isKeyValue(String arg) {
        return !arg.startsWith("-") && arg.indexOf('=') > 0;
    }
}
