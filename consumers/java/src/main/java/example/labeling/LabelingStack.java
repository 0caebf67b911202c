package example.labeling;

import java.util.List;

import io.github.cdkprivateworkforce.PrivateWorkforce;
import io.github.cdkprivateworkforce.Worker;
import io.github.cdkprivateworkforce.Workers;
import io.github.cdkprivateworkforce.WorkteamOptions;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/** One stack with a private workforce: example/app.ts's LabelingStack in Java. */
public class LabelingStack extends Stack {
    private final PrivateWorkforce workforce;

    public LabelingStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        workforce = PrivateWorkforce.Builder.create(this, "Workforce")
                .workforceName("example-labeling")
                .sourceIpCidrs(List.of("203.0.113.0/24"))
                .workers(Workers.fromList(List.of(
                        Worker.builder().email("ana@example.com").build(),
                        Worker.builder().email("bo@example.com").username("bo").build())))
                .build();
        workforce.addWorkteam("Annotators", WorkteamOptions.builder()
                .description("Labels the example data set")
                .workers(Workers.fromList(List.of(Worker.builder().email("ana@example.com").build())))
                .createNotificationTopic(true)
                .build());
        CfnOutput.Builder.create(this, "PortalUrl").value(workforce.getPortalUrl()).description("Labeling portal").build();
        CfnOutput.Builder.create(this, "UserPoolId").value(workforce.getUserPool().getUserPoolId()).build();
    }

    public PrivateWorkforce getWorkforce() {
        return workforce;
    }
}
