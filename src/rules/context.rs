//! The context array: its items in three dialects, the user and the set it names.

use super::*;

impl<'w> Walk<'w, '_> {
    pub(super) fn context_item(&mut self, item: u32, path: Path, ctx: &mut Context<'w>) {
        let kind = self.doc.node(item).kind;
        if kind != Kind::Object {
            let place = || (path.render(), "A context item".to_string());
            self.wrong_type(place, Kind::Object, kind);
            return;
        }
        let Some(node) = self.field(item, "type", path, Kind::String, true) else {
            return;
        };
        match self.text_of(node) {
            "user" => {
                ctx.has_user_item = true;
                if let Some(user) = self.ref_id(item, "user", path) {
                    ctx.users.push(user);
                }
            }
            "setCompose" => {
                if let Some(set_id) = self.ref_id(item, "setCompose", path) {
                    ctx.sets.push(set_id);
                }
            }
            "content" => self.content_item(item, path, ctx),
            "api" => {
                if let Some(api) = self.field(item, "api", path, Kind::Object, false) {
                    let inner = path.sub("api");
                    self.text(api, "id", inner, true);
                    self.field(api, "sourceIp", inner, Kind::String, false);
                    self.field(api, "userAgent", inner, Kind::String, false);
                }
            }
            "page" => {
                if let Some(page) = self.field(item, "page", path, Kind::Object, true) {
                    self.text(page, "url", path.sub("page"), true);
                }
            }
            "session" => {
                self.ref_id(item, "session", path);
            }
            "widget" => {
                if let Some(widget) = self.field(item, "widget", path, Kind::Object, true) {
                    self.text(widget, "id", path.sub("widget"), true);
                    self.text(widget, "type", path.sub("widget"), true);
                }
            }
            other => {
                let known = vocabulary().context_types.join(", ");
                self.add(Code::UnknownContextType, || {
                    (
                        path.key("type"),
                        Code::UnknownContextType.message(&[
                            ("what", "Context item"),
                            ("kind", other),
                            ("known", &known),
                        ]),
                    )
                });
            }
        }
    }

    pub(super) fn content_item(&mut self, item: u32, path: Path, ctx: &mut Context<'w>) {
        let Some(content) = self.field(item, "content", path, Kind::Object, true) else {
            return;
        };
        let inner = path.sub("content");
        let Some(node) = self.field(content, "type", inner, Kind::String, true) else {
            return;
        };
        let kind = self.text_of(node);
        if kind == "setCompose" {
            if let Some(set_id) = self.ref_id(content, "setCompose", inner) {
                ctx.sets.push(set_id);
            }
        } else {
            self.add(Code::UnknownContextType, || {
                (
                    inner.key("type"),
                    Code::UnknownContextType.message(&[
                        ("what", "Content"),
                        ("kind", kind),
                        ("known", "setCompose"),
                    ]),
                )
            });
        }
    }

    pub(super) fn resolve_user(&mut self, event: u32, ctx: &Context<'w>) -> Option<&'w str> {
        let user_id = self.text(event, "userId", ROOT, false);
        let mut distinct = ctx.users.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > 1 {
            let count = distinct.len().to_string();
            let ids = distinct.join(", ");
            self.add(Code::AmbiguousUser, || {
                (
                    "/context".into(),
                    Code::AmbiguousUser.message(&[("count", &count), ("ids", &ids)]),
                )
            });
            return None;
        }
        if let Some(&user) = distinct.first() {
            if let Some(top) = user_id {
                if top != user {
                    self.add(Code::UserMismatch, || {
                        (
                            "/userId".into(),
                            Code::UserMismatch.message(&[("top", top), ("context", user)]),
                        )
                    });
                }
            }
            return Some(user);
        }
        let has_top = self.doc.member(event, "userId").0.is_some();
        if ctx.readable && !ctx.has_user_item && !has_top {
            self.add(Code::MissingUser, || {
                ("/context".into(), Code::MissingUser.message(&[]))
            });
        }
        user_id
    }
}
