#!/usr/bin/env python3
"""The example app (example/app.ts) as a Python user writes it, against the built wheel.

`npx projen test:consumers` synthesizes it with the CDK CLI and checks that its template equals
the TypeScript and Java apps' ones.
"""
import os

from aws_cdk import App, CfnOutput, Environment, Stack
from constructs import Construct

from cdk_private_workforce import PrivateWorkforce, Worker, Workers


class LabelingStack(Stack):
    """One stack with a private workforce."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.workforce = PrivateWorkforce(self, "Workforce",
            workforce_name="example-labeling",
            source_ip_cidrs=["203.0.113.0/24"],
            workers=Workers.from_list([
                Worker(email="ana@example.com"),
                Worker(email="bo@example.com", username="bo"),
            ]),
        )
        self.workforce.add_workteam("Annotators",
            description="Labels the example data set",
            workers=Workers.from_list([Worker(email="ana@example.com")]),
            create_notification_topic=True,
        )
        CfnOutput(self, "PortalUrl", value=self.workforce.portal_url, description="Labeling portal")
        CfnOutput(self, "UserPoolId", value=self.workforce.user_pool.user_pool_id)


app = App(context={"aws:cdk:disable-creation-stack-traces": True})
LabelingStack(app, "LabelingStack",
    env=Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
)
app.synth()
