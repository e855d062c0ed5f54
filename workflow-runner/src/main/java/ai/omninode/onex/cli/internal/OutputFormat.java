package ai.omninode.onex.cli.internal;

/** {@code --output}: text for people, json for programs. */
public enum OutputFormat { TEXT, JSON }
