package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.cli.internal.VersionProvider;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import javax.lang.model.SourceVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code onex new}: starting points. */
@Command(name = "new",
        mixinStandardHelpOptions = true,
        description = "Creates a starting point: 'onex new node NAME' makes a node project that builds, tests and"
                + " validates out of the box.",
        subcommands = {NewCommand.Node.class})
public final class NewCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().println("onex new: error: say what to create: onex new node NAME");
        return Onex.INVALID;
    }

    /** {@code onex new node NAME}: a Maven project of one node, with its contract, a test and a sample workflow. */
    @Command(name = "node",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Creates a Maven project for a new ONEX node: the node class, its contract and JSON Schemas, the"
                    + " META-INF/services registration, a JUnit test, a sample workflow that uses the node and the"
                    + " Kafka node, onex-maven-plugin's validate goal in verify, and the Maven wrapper. onex-node-api"
                    + " is a provided dependency. './mvnw verify' in the new folder builds the plugin jar (target/*.jar),"
                    + " tests it and validates the contract and the workflow."},
            footerHeading = "%nExamples:%n",
            footer = {
                "  onex new node greeting_compute",
                "  onex new node qdrant_store_effect --kind effect \\",
                "      --package com.acme.qdrant --group com.acme",
                "  cd greeting-compute && ./mvnw verify",
                "",
                "Exit codes:",
                "  0  the project was created",
                "  2  a usage error, or the folder exists already"})
    public static final class Node implements Callable<Integer> {
        private static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_]*$");
        private static final Pattern JAVA_PACKAGE = Pattern.compile("^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*$");
        private static final String TEMPLATES = "/ai/omninode/onex/cli/newnode/";
        /** Maven's own rule for a groupId (its model validator's). */
        private static final Pattern MAVEN_ID = Pattern.compile("^[A-Za-z0-9_\\-.]+$");

        /** Where a node of this name is installed (the plugin folders onex run reads by default), or null. */
        private static String installedNode(String name) {
            try (NodeRegistry registry = NodeRegistry.builder().classLoader(NewCommand.class.getClassLoader())
                    .pluginDirectories(new PluginOptions().directories()).buildKeepingWhatLoads()) {
                return registry.find(name).map(DiscoveredNode::origin).orElse(null);
            } catch (RuntimeException e) {
                return null; // plugin folders onex cannot read say nothing about the name
            }
        }

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME",
                description = "The node's contract name, what workflows call it: lower case, digits and '_'."
                        + " Example: greeting_compute")
        String name;

        @Option(names = "--kind", paramLabel = "KIND", defaultValue = "compute", completionCandidates = Kinds.class,
                description = "compute (default: a ComputeNode, a pure function of its input) or effect (an"
                        + " EffectNode, for I/O). Example: --kind effect")
        String kind;

        @Option(names = "--package", paramLabel = "PACKAGE",
                description = "The Java package. Default: com.example.<NAME without '_'>. Example: --package com.acme.greeting")
        String javaPackage;

        @Option(names = "--group", paramLabel = "GROUP_ID", defaultValue = "com.example",
                description = "The Maven groupId. Default: com.example. Example: --group com.acme")
        String group;

        @Option(names = "--dir", paramLabel = "DIR",
                description = "Where to create the project. Default: ./<NAME with '-' for '_'>. Example: --dir nodes/greeting")
        Path dir;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (!NAME.matcher(name).matches() || name.length() > 128) {
                throw new CommandLine.ParameterException(spec.commandLine(), "NAME '" + name + "' is not a node name:"
                        + " lower case letters, digits and '_', starting with a letter (greeting_compute)");
            }
            String k = kind.toLowerCase(Locale.ROOT);
            if (!k.equals("compute") && !k.equals("effect")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--kind is compute or effect, not '"
                        + kind + "'");
            }
            String pkg = javaPackage != null ? javaPackage : "com.example." + name.replace("_", "");
            String keyword = java.util.Arrays.stream(pkg.split("\\.")).filter(p -> !SourceVersion.isName(p))
                    .findFirst().orElse(null);
            if (!JAVA_PACKAGE.matcher(pkg).matches() || keyword != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--package '" + pkg
                        + "' is not a Java package name (com.acme.greeting)" + (keyword == null ? ""
                        : ": '" + keyword + "' is " + (SourceVersion.isKeyword(keyword) ? "a Java keyword"
                                : "not a Java identifier (a letter or _ first, then letters, digits or _)")
                        + (javaPackage == null
                        ? "; the default comes from NAME, so give one with --package" : "")));
            }
            if (!MAVEN_ID.matcher(group).matches()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--group '" + group + "' is not a Maven"
                        + " groupId: letters, digits and '.', '-', '_' (com.acme)");
            }
            String installed = installedNode(name);
            if (installed != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "NAME '" + name + "' is the name of a"
                        + " node installed already (" + installed + "); the new project's contract would stand for it"
                        + " in onex validate, and two plugins with one name refuse to load: choose another name");
            }
            String artifact = name.replace('_', '-');
            Path root = dir != null ? dir : Path.of(artifact);
            if (Files.exists(root) && !(Files.isDirectory(root) && isEmpty(root))) {
                spec.commandLine().getErr().println("onex new node: error: " + root + " exists already; choose another"
                        + " folder with --dir");
                return Onex.INVALID;
            }
            String className = "Node" + camel(name);
            String packagePath = pkg.replace('.', '/');
            Map<String, String> vars = new LinkedHashMap<>();
            vars.put("@NAME@", name);
            vars.put("@CLASS@", className);
            vars.put("@PACKAGE@", pkg);
            vars.put("@PACKAGE_PATH@", packagePath);
            vars.put("@GROUP@", group);
            vars.put("@ARTIFACT@", artifact);
            vars.put("@ONEX_VERSION@", VersionProvider.version());
            vars.put("@ONEX_PLUGINS@", installationPlugins());
            vars.put("@NODE_TYPE@", k);
            vars.put("@NODE_FIELD@", k.equals("compute") ? "compute_node" : "effect_node");
            vars.put("@ENV@", name.toUpperCase(Locale.ROOT));
            vars.put("@IO_OPERATIONS@", k.equals("compute") ? "" : "io_operations:\n  - operation_type: greet\n"
                    + "    description: Says hello (replace with your node's I/O)\n    atomic: true\n    idempotent: true\n");

            Path java = root.resolve("src/main/java").resolve(packagePath);
            Path resources = root.resolve("src/main/resources").resolve(packagePath);
            write(root.resolve("pom.xml"), template("pom.xml.tmpl", vars));
            write(root.resolve("README.md"), template("README.md.tmpl", vars));
            write(root.resolve(".gitignore"), "target/\n");
            write(java.resolve(className + ".java"),
                    template(k.equals("compute") ? "ComputeNode.java.tmpl" : "EffectNode.java.tmpl", vars));
            write(resources.resolve("effect_contract.yaml"), template("contract.yaml.tmpl", vars));
            write(resources.resolve("input.schema.json"), template("input.schema.json.tmpl", vars));
            write(resources.resolve("output.schema.json"), template("output.schema.json.tmpl", vars));
            write(root.resolve("src/main/resources/META-INF/services/ai.omninode.onex.node.EffectNode"),
                    pkg + "." + className + "\n");
            write(root.resolve("src/test/java").resolve(packagePath).resolve(className + "Test.java"),
                    template("NodeTest.java.tmpl", vars));
            write(root.resolve("workflows").resolve(name + "_demo.yaml"), template("workflow.yaml.tmpl", vars));
            write(root.resolve("mvnw"), resource("wrapper/mvnw"));
            write(root.resolve(".mvn/wrapper/maven-wrapper.properties"), resource("wrapper/maven-wrapper.properties"));
            executable(root.resolve("mvnw"));

            out.println("Created " + root + ": the node " + name + " (" + pkg + "." + className
                    + (k.equals("effect") ? ", an " : ", a ") + k + " node).");
            out.println("Next: cd " + root + " && ./mvnw verify   (it needs onex " + VersionProvider.version()
                    + "'s artifacts in your Maven repository: see README.md)");
            out.println("Then: onex run workflows/" + name + "_demo.yaml --plugins target --plugins "
                    + installationPlugins() + " --input name=Ada --embedded-kafka");
            out.flush();
            return Onex.OK;
        }

        /**
         * This installation's plugins folder, as an absolute path (the launcher's {@code onex.home}): the Kafka node
         * lives there, and {@code --plugins target} alone would replace it. {@code $ONEX_HOME/plugins} only when not
         * started by the launcher; the launcher does not export that variable, so it is never printed from there.
         */
        static String installationPlugins() {
            String home = System.getProperty("onex.home");
            return home == null || home.isBlank() ? "$ONEX_HOME/plugins"
                    : Path.of(home).toAbsolutePath().normalize().resolve("plugins").toString();
        }

        private static boolean isEmpty(Path d) throws IOException {
            try (var entries = Files.list(d)) {
                return entries.findAny().isEmpty();
            }
        }

        static String camel(String snake) {
            StringBuilder b = new StringBuilder();
            for (String part : snake.split("_")) {
                if (!part.isEmpty()) {
                    b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
                }
            }
            return b.toString();
        }

        private static String template(String file, Map<String, String> vars) {
            String text = resource(file);
            for (var e : vars.entrySet()) {
                text = text.replace(e.getKey(), e.getValue());
            }
            return text;
        }

        private static String resource(String file) {
            try (InputStream in = NewCommand.class.getResourceAsStream(TEMPLATES + file)) {
                if (in == null) {
                    throw new IllegalStateException("template " + file + " is missing from the onex jar");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void write(Path file, String text) throws IOException {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                Files.writeString(file, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW);
            } catch (FileAlreadyExistsException e) {
                throw new IOException(file + " exists already", e);
            }
        }

        private static void executable(Path file) {
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException | IOException e) {
                file.toFile().setExecutable(true, false); // not a POSIX file system: the best there is
            }
        }

        /** For tests: the files a project consists of. */
        static List<String> expectedFiles(String name, String packagePath) {
            String c = "Node" + camel(name);
            return List.of("pom.xml", "mvnw", ".mvn/wrapper/maven-wrapper.properties", "README.md",
                    "src/main/java/" + packagePath + "/" + c + ".java",
                    "src/main/resources/" + packagePath + "/effect_contract.yaml",
                    "src/main/resources/META-INF/services/ai.omninode.onex.node.EffectNode",
                    "src/test/java/" + packagePath + "/" + c + "Test.java",
                    "workflows/" + name + "_demo.yaml");
        }
    }

    /** What shell completion offers for {@code --kind}. */
    static final class Kinds implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("compute", "effect").iterator();
        }
    }
}
