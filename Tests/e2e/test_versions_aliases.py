"""Versions and aliases: publish, list, invoke a qualifier, alias CRUD, weighted routing, error shapes."""


def app(number):
    return f"def handler(event, context):\n    return {{'code': {number}, 'version': context.function_version}}\n"


def deploy_versions(lam, create_function, zip_files, name):
    """$LATEST runs code 3; versions 1 and 2 hold code 1 and 2."""
    create_function(name, {"app.py": app(1)})
    first = lam.publish_version(FunctionName=name, Description="first")
    lam.update_function_code(FunctionName=name, ZipFile=zip_files({"app.py": app(2)}))
    second = lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=zip_files({"app.py": app(3)}))
    return first, second


def test_publish_and_list_versions(lam, create_function, unique, zip_files):
    name = unique("versions")
    first, second = deploy_versions(lam, create_function, zip_files, name)
    assert first["Version"] == "1" and second["Version"] == "2"
    assert first["FunctionArn"].endswith(f":function:{name}:1")
    assert first["Description"] == "first"
    assert first["CodeSha256"] != second["CodeSha256"]
    listed = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "1", "2"]
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["CodeSha256"] == first["CodeSha256"]


def test_invoke_versions(lam, create_function, unique, zip_files, invoke):
    name = unique("invoke-version")
    deploy_versions(lam, create_function, zip_files, name)
    response, result = invoke(f"{name}:1")
    assert result == {"code": 1, "version": "1"}
    assert response["ExecutedVersion"] == "1"
    response, result = invoke(name, Qualifier="2")
    assert result == {"code": 2, "version": "2"}
    assert response["ExecutedVersion"] == "2"
    response, result = invoke(name)
    assert result == {"code": 3, "version": "$LATEST"}
    assert response["ExecutedVersion"] == "$LATEST"


def test_alias_lifecycle(lam, create_function, unique, zip_files, invoke, expect_error):
    name = unique("alias")
    deploy_versions(lam, create_function, zip_files, name)
    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="prod")
    assert alias["Name"] == "live" and alias["FunctionVersion"] == "1"
    assert alias["AliasArn"].endswith(f":function:{name}:live")
    fetched = lam.get_alias(FunctionName=name, Name="live")
    assert fetched["FunctionVersion"] == "1" and fetched["Description"] == "prod"
    lam.create_alias(FunctionName=name, Name="beta", FunctionVersion="$LATEST")
    listed = lam.list_aliases(FunctionName=name)["Aliases"]
    assert sorted(a["Name"] for a in listed) == ["beta", "live"]

    response, result = invoke(name, Qualifier="live")
    assert result["code"] == 1 and response["ExecutedVersion"] == "1"
    assert invoke(f"{name}:beta")[1]["code"] == 3

    updated = lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert updated["FunctionVersion"] == "2"
    response, result = invoke(f"{name}:live")
    assert result["code"] == 2 and response["ExecutedVersion"] == "2"

    expect_error(lambda: lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1"),
                 "ResourceConflictException", 409)
    lam.delete_alias(FunctionName=name, Name="live")
    expect_error(lambda: lam.get_alias(FunctionName=name, Name="live"), "ResourceNotFoundException", 404)
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["beta"]


def test_weighted_alias_spreads_invocations(lam, create_function, unique, zip_files, invoke):
    name = unique("weighted")
    deploy_versions(lam, create_function, zip_files, name)
    alias = lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.5}
    seen = {}
    for _ in range(40):
        response, result = invoke(name, Qualifier="canary")
        assert response["ExecutedVersion"] == str(result["code"])
        seen[result["code"]] = seen.get(result["code"], 0) + 1
    assert set(seen) == {1, 2}, seen


def test_unknown_version_and_alias(lam, create_function, unique, zip_files, expect_error):
    name = unique("unknown-qualifier")
    deploy_versions(lam, create_function, zip_files, name)
    expect_error(lambda: lam.invoke(FunctionName=name, Qualifier="99", Payload=b"{}"),
                 "ResourceNotFoundException", 404)
    expect_error(lambda: lam.invoke(FunctionName=f"{name}:nosuchalias", Payload=b"{}"),
                 "ResourceNotFoundException", 404)
    expect_error(lambda: lam.get_function_configuration(FunctionName=name, Qualifier="99"),
                 "ResourceNotFoundException", 404)
    expect_error(lambda: lam.get_alias(FunctionName=name, Name="nosuchalias"), "ResourceNotFoundException", 404)
    expect_error(lambda: lam.create_alias(FunctionName=name, Name="ghost", FunctionVersion="99"),
                 "ResourceNotFoundException", 404)
    expect_error(lambda: lam.publish_version(FunctionName=unique("no-function")),
                 "ResourceNotFoundException", 404)
