"""Create infra/cloudformation.yaml as a stack in moto's server, working around moto's gaps.

moto's CloudFormation creates the DynamoDB tables, SQS queues, IAM roles, managed policies
and instance profiles, but not `AWS::SecretsManager::Secret`. Those secrets are created here
through Secrets Manager's own API, with the names the template gives them, and every `Ref` to
one is replaced by the ARN that call returned; the rest of the template goes to moto as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "cloudformation.yaml"
NOT_IN_MOTO_CLOUDFORMATION = "AWS::SecretsManager::Secret"


@dataclass(frozen=True)
class Stack:
    outputs: dict[str, str]
    table_prefix: str
    secrets_prefix: str

    @property
    def queue_url(self) -> str:
        return self.outputs["QueueUrl"]


def _sub(text: str, parameters: dict[str, str]) -> str:
    for name, value in parameters.items():
        text = text.replace("${" + name + "}", value)
    return text


def _replace_refs(node: Any, arns: dict[str, str]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in arns:
            return arns[node["Ref"]]
        return {key: _replace_refs(value, arns) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_refs(value, arns) for value in node]
    return node


def create_stack(
    name: str = "marshal",
    *,
    table_prefix: str = "stack-",
    secrets_prefix: str = "marshal/",
    max_receives: int = 5,
) -> Stack:
    parameters = {
        "TablePrefix": table_prefix,
        "SecretsPrefix": secrets_prefix,
        "MaxReceiveCount": str(max_receives),
    }
    template = yaml.safe_load(TEMPLATE.read_text())
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    arns: dict[str, str] = {}
    for logical_id, resource in list(template["Resources"].items()):
        if resource["Type"] != NOT_IN_MOTO_CLOUDFORMATION:
            continue
        del template["Resources"][logical_id]
        secret_name = _sub(resource["Properties"]["Name"]["Fn::Sub"], parameters)
        arns[logical_id] = secrets.create_secret(
            Name=secret_name, SecretString="placeholder-" + logical_id
        )["ARN"]
    template = _replace_refs(template, arns)

    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=yaml.safe_dump(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return Stack(outputs, table_prefix, secrets_prefix)
