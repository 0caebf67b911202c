package example.labeling;

import java.util.Map;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/** The example app (example/app.ts) in Java. */
public final class LabelingApp {
    private LabelingApp() {
    }

    public static void main(final String[] args) {
        App app = new App(AppProps.builder()
                .context(Map.of("aws:cdk:disable-creation-stack-traces", true))
                .build());
        new LabelingStack(app, "LabelingStack", StackProps.builder()
                .env(Environment.builder()
                        .account(System.getenv("CDK_DEFAULT_ACCOUNT"))
                        .region(System.getenv("CDK_DEFAULT_REGION"))
                        .build())
                .build());
        app.synth();
    }
}
