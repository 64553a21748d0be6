"""Renders a kustomization as `kubectl kustomize` does, for the features
deploy/kubernetes uses, offline: `resources` (files, and folders holding a
kustomization), `namespace`, `images` and `patches` (RFC 6902, from a file
or inline, with a target). Any other key is an error, so a manifest that
starts using one fails here rather than being rendered wrongly.

Like kustomize, a kustomization's transformers apply to the resources it
gathers, its bases' included, and not to those of a kustomization that
includes it.

usage: python render.py [--json] DIR > rendered.yaml
"""
import json
import os
import sys

import jsonpatch
import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
# Kinds without a namespace (those deploy/ might use).
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding", "CSIDriver", "PriorityClass"}


def load_documents(path):
    with open(path) as handle:
        return [document for document in yaml.safe_load_all(handle) if document is not None]


def render(directory):
    with open(os.path.join(directory, "kustomization.yaml")) as handle:
        kustomization = yaml.safe_load(handle)
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise SystemExit(f"{directory}/kustomization.yaml: render.py does not implement {sorted(unknown)}")
    if kustomization.get("kind") != "Kustomization":
        raise SystemExit(f"{directory}/kustomization.yaml: kind must be Kustomization")
    resources = []
    for entry in kustomization.get("resources", []):
        path = os.path.normpath(os.path.join(directory, entry))
        if os.path.isdir(path):
            resources.extend(render(path))
        else:
            resources.extend(load_documents(path))
    for patch in kustomization.get("patches", []):
        apply_patch(directory, patch, resources)
    if "namespace" in kustomization:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        for resource in resources:
            for container in containers(resource):
                set_image(container, image)
    return resources


def apply_patch(directory, patch, resources):
    unknown = set(patch) - {"path", "patch", "target"}
    if unknown or "target" not in patch:
        raise SystemExit(f"{directory}: render.py applies only RFC 6902 patches with a target, not {patch}")
    if "path" in patch:
        with open(os.path.join(directory, patch["path"])) as handle:
            operations = yaml.safe_load(handle)
    else:
        operations = yaml.safe_load(patch["patch"])
    if not isinstance(operations, list):
        raise SystemExit(f"{directory}: {patch}: render.py applies only RFC 6902 patches (a list of operations)")
    target = patch["target"]
    matched = 0
    for index, resource in enumerate(resources):
        if matches(resource, target):
            resources[index] = jsonpatch.apply_patch(resource, operations)
            matched += 1
    if matched == 0:
        raise SystemExit(f"{directory}: the patch target {target} matches no resource")


def matches(resource, target):
    group, _, version = resource["apiVersion"].rpartition("/")
    checks = {
        "kind": resource["kind"],
        "name": resource["metadata"]["name"],
        "group": group,
        "version": version,
        "namespace": resource["metadata"].get("namespace"),
    }
    unknown = set(target) - set(checks)
    if unknown:
        raise SystemExit(f"render.py does not match targets by {sorted(unknown)}")
    return all(checks[key] == value for key, value in target.items())


def containers(resource):
    spec = resource.get("spec", {})
    pod = spec.get("template", {}).get("spec", spec if resource["kind"] == "Pod" else {})
    return pod.get("containers", []) + pod.get("initContainers", [])


def set_image(container, image):
    current = container.get("image", "")
    name, tag = current, None
    if "@" in current:
        name = current.split("@", 1)[0]
    elif ":" in current.rsplit("/", 1)[-1]:
        name, tag = current.rsplit(":", 1)
    if name != image["name"]:
        return
    new_name = image.get("newName", name)
    new_tag = image.get("newTag", tag)
    container["image"] = new_name + (f":{new_tag}" if new_tag else "")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--json"]:
        json.dump(render(arguments[1]), sys.stdout, indent=1, sort_keys=True)
    else:
        yaml.safe_dump_all(render(arguments[0]), sys.stdout, sort_keys=True)
