use super::*;

fn args(v: Value) -> Option<Map<String, Value>> {
    v.as_object().cloned()
}

#[test]
fn every_tool_maps_to_a_request_and_has_a_schema() {
    let d = Defaults {
        project: Some(2),
        session: Some(3),
        issue: Some(4),
    };
    let needs = json!({ "body": "b", "message": "m", "title": "t", "source": "s",
                        "state": "waiting" });
    for t in tools() {
        assert_eq!(t.input_schema["type"], "object", "{}", t.name);
        assert!(!t.description.contains('\n'), "one line: {}", t.name);
        let props = t.input_schema["properties"].as_object().unwrap();
        let mut a = Map::new();
        for k in t.input_schema["required"].as_array().unwrap() {
            let k = k.as_str().unwrap();
            assert!(
                props.contains_key(k),
                "{}: required {k} is a property",
                t.name
            );
            a.insert(k.into(), needs[k].clone());
        }
        call(t.name, Some(a), &d).unwrap_or_else(|e| panic!("{}: {e}", t.name));
    }
}

#[test]
fn defaults_fill_in_and_unknown_arguments_are_refused() {
    let d = Defaults {
        issue: Some(7),
        ..Default::default()
    };
    let c = call("issue_comment", args(json!({ "body": "hi" })), &d).unwrap();
    assert_eq!((c.method, c.path.as_str()), ("POST", "/issues/7/comments"));
    assert_eq!(c.body, Some(json!({ "body": "hi" })));
    let c = call("issue_comment", args(json!({ "id": 9, "body": "x" })), &d).unwrap();
    assert_eq!(c.path, "/issues/9/comments");
    let e = call("issue_get", args(json!({ "idd": 1 })), &d).unwrap_err();
    assert!(e.contains("idd"), "{e}");
    let e = call("git_status", None, &Defaults::default()).unwrap_err();
    assert!(e.contains("project"), "{e}");
    assert!(call("nope", None, &d).is_err());
}

#[test]
fn resources_parse_their_uris_only() {
    assert_eq!(read("aiops://issue/5").unwrap().path, "/issues/5/view");
    assert_eq!(read("aiops://project/2/issues").unwrap().query.len(), 2);
    for bad in [
        "aiops://issue/x",
        "aiops://issue/-1",
        "file:///etc/passwd",
        "aiops://issue/1/2",
    ] {
        assert!(read(bad).is_err(), "{bad}");
    }
}

#[test]
fn errors_read_like_the_cli() {
    let b = json!({ "error": { "code": "forbidden", "message": "not your issue" } });
    assert_eq!(
        answer(403, Some(&b)),
        (true, "forbidden: not your issue".into())
    );
    assert_eq!(answer(200, None), (false, "done".into()));
}
