//! HTML to plain text for scanning.
//!
//! The HTML is parsed by a real HTML5 parser (`scraper`, html5ever
//! underneath), so entities, unclosed tags and mis-nested markup are handled
//! the way a browser handles them. The parsed tree is then walked once,
//! without recursion, and rendered roughly the way a browser lays it out:
//!
//! * text of `<script>`, `<style>`, `<noscript>`, `<template>`, `<head>`
//!   (and so `<title>`, `<meta>` …), `<title>` anywhere, `<iframe>`,
//!   `<noembed>`, `<noframes>`, ruby annotations (`<rt>`, `<rp>`) and
//!   comments is dropped. Dropping `<rt>`/`<rp>` keeps the base text of
//!   `<ruby>` contiguous, so a keyword annotated with pinyin still matches;
//! * block elements start and end a line; `<p>`, headings, `<blockquote>`,
//!   `<pre>`, `<table>`, `<figure>` and `<hr>` are set off by a blank line;
//!   `<br>` is a line break; table cells are separated by a tab;
//! * inline elements add nothing, so `<span>巡</span><span>检</span>` gives
//!   `巡检` and a keyword split across WeChat-style spans still matches;
//! * runs of whitespace (any Unicode white space, including `&nbsp;` and the
//!   ideographic space U+3000) collapse to one ASCII space, except inside
//!   `<pre>`, `<textarea>`, `<listing>` and `<xmp>`, where only `&nbsp;`
//!   becomes a space and line breaks are kept;
//! * `<img alt="...">` with a non-blank alt contributes `[alt]` (whitespace
//!   collapsed) in place, since alt text is published, author-written text;
//! * hidden content (`hidden`, `display:none`) is kept: it is still
//!   published and may be exactly what a compliance scan must see;
//! * every line is trimmed, at most one blank line appears in a row, and the
//!   result has no leading or trailing white space.

use scraper::{ElementRef, Html, Node};

/// Converts an HTML body (a fragment or a whole document) to plain text for scanning.
///
/// Entities are decoded, non-content elements and comments dropped, block
/// elements turned into line breaks and inline whitespace collapsed; the
/// module documentation lists the exact rules. Never panics, whatever the
/// input: malformed HTML is repaired by the parser.
///
/// Cost: one html5ever parse, which builds a DOM in memory (a few times the
/// size of the input), then one linear walk with an explicit stack (no
/// recursion, so deeply nested markup cannot overflow the call stack) and
/// one linear clean-up pass over the text; O(input length) overall.
pub fn html_to_text(html: &str) -> String {
    // parse_document accepts fragments too: their head-only elements land in
    // <head>, which is dropped anyway, and everything else in <body>.
    let doc = Html::parse_document(html);
    let mut text = TextBuilder::default();
    let mut stack = vec![Step::Open(doc.root_element())];
    let mut pre_depth = 0usize;

    while let Some(step) = stack.pop() {
        match step {
            Step::Text(s) => text.text(s, pre_depth > 0),
            Step::Close(kind) => match kind {
                Kind::Line => text.block(1),
                Kind::Paragraph => text.block(2),
                Kind::Pre => {
                    pre_depth = pre_depth.saturating_sub(1);
                    text.block(2);
                }
                Kind::Cell => text.separator('\t'),
                Kind::Skip | Kind::Inline | Kind::Break | Kind::Image => {}
            },
            Step::Open(element) => {
                let kind = Kind::of(element.value().name());
                match kind {
                    Kind::Skip => continue,
                    Kind::Line => text.block(1),
                    Kind::Paragraph => text.block(2),
                    Kind::Pre => {
                        pre_depth += 1;
                        text.block(2);
                    }
                    Kind::Cell => text.separator('\t'),
                    Kind::Break => text.hard_break(),
                    Kind::Image => {
                        if let Some(alt) = element.attr("alt").map(str::trim) {
                            if !alt.is_empty() {
                                text.put('[');
                                text.text(alt, false);
                                text.put(']');
                            }
                        }
                    }
                    Kind::Inline => {}
                }
                stack.push(Step::Close(kind));
                for child in element.children().rev() {
                    match child.value() {
                        Node::Text(t) => stack.push(Step::Text(t)),
                        Node::Element(_) => {
                            if let Some(e) = ElementRef::wrap(child) {
                                stack.push(Step::Open(e));
                            }
                        }
                        // Comments, doctypes and processing instructions carry no text.
                        _ => {}
                    }
                }
            }
        }
    }
    text.finish()
}

/// One unit of work in the tree walk.
enum Step<'a> {
    Open(ElementRef<'a>),
    Text(&'a str),
    Close(Kind),
}

/// How an element affects the text layout.
#[derive(Clone, Copy)]
enum Kind {
    /// Not rendered as text: the element and everything inside it is dropped.
    Skip,
    /// Adds nothing; its text flows with the surrounding text.
    Inline,
    /// Starts and ends a line.
    Line,
    /// Starts and ends a paragraph (set off by a blank line).
    Paragraph,
    /// A paragraph whose whitespace and line breaks are kept.
    Pre,
    /// A table cell, separated from its neighbours by a tab.
    Cell,
    /// `<br>`: a line break.
    Break,
    /// `<img>`: contributes `[alt]`.
    Image,
}

impl Kind {
    fn of(name: &str) -> Kind {
        match name {
            "script" | "style" | "noscript" | "template" | "head" | "title" | "iframe"
            | "noembed" | "noframes" | "rt" | "rp" => Kind::Skip,
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "table" | "figure"
            | "hr" => Kind::Paragraph,
            "pre" | "listing" | "xmp" | "textarea" => Kind::Pre,
            "div" | "li" | "ul" | "ol" | "dl" | "dd" | "dt" | "tr" | "thead" | "tbody"
            | "tfoot" | "caption" | "section" | "article" | "header" | "footer" | "figcaption"
            | "address" | "aside" | "nav" | "main" | "form" | "fieldset" | "legend" | "details"
            | "summary" | "center" | "menu" | "dir" | "hgroup" | "search" | "dialog" | "option"
            | "optgroup" | "body" | "html" => Kind::Line,
            "td" | "th" => Kind::Cell,
            "br" => Kind::Break,
            "img" => Kind::Image,
            _ => Kind::Inline,
        }
    }
}

/// Accumulates text, deferring separators and line breaks until the next
/// visible character so that none is ever leading, trailing or doubled.
#[derive(Default)]
struct TextBuilder {
    out: String,
    /// Line breaks owed before the next character (0, 1 or 2).
    breaks: u8,
    /// Separator owed before the next character on the same line.
    sep: Option<char>,
}

impl TextBuilder {
    /// Appends a text node, collapsing whitespace unless `pre`.
    fn text(&mut self, s: &str, pre: bool) {
        for c in s.chars() {
            if pre {
                match c {
                    '\r' => {}
                    '\n' => self.hard_break(),
                    '\u{A0}' => self.put(' '),
                    _ => self.put(c),
                }
            } else if c.is_whitespace() {
                self.separator(' ');
            } else {
                self.put(c);
            }
        }
    }

    /// Appends one visible character, paying any owed breaks or separator first.
    fn put(&mut self, c: char) {
        if self.breaks > 0 {
            if !self.out.is_empty() {
                for _ in 0..self.breaks {
                    self.out.push('\n');
                }
            }
            self.breaks = 0;
            self.sep = None;
        } else if let Some(sep) = self.sep.take() {
            self.out.push(sep);
        }
        self.out.push(c);
    }

    /// Owes a separator between the text so far and the next text on this
    /// line; a tab wins over a space.
    fn separator(&mut self, sep: char) {
        let at_line_start = self.out.is_empty() || self.out.ends_with('\n');
        if self.breaks == 0 && !at_line_start && self.sep != Some('\t') {
            self.sep = Some(sep);
        }
    }

    /// A block boundary: owes at least `lines` line breaks (2 = blank line).
    fn block(&mut self, lines: u8) {
        self.breaks = self.breaks.max(lines);
        self.sep = None;
    }

    /// `<br>` or a newline inside `<pre>`: one more line break.
    fn hard_break(&mut self) {
        self.breaks = (self.breaks + 1).min(2);
        self.sep = None;
    }

    /// Trims every line, keeps at most one blank line in a row and drops
    /// leading and trailing blank lines.
    fn finish(self) -> String {
        let mut result = String::with_capacity(self.out.len());
        let mut blank_pending = false;
        for line in self.out.split('\n') {
            let line = line.trim();
            if line.is_empty() {
                blank_pending = !result.is_empty();
                continue;
            }
            if !result.is_empty() {
                result.push('\n');
                if blank_pending {
                    result.push('\n');
                }
            }
            blank_pending = false;
            result.push_str(line);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            html_to_text(
                "<p>A &amp; B&nbsp;C &#x4E2D;&#25991; &lt;tag&gt; &quot;q&quot; &copy;</p>"
            ),
            "A & B C 中文 <tag> \"q\" ©"
        );
        assert_eq!(html_to_text("a&nbsp;&nbsp;&nbsp;b"), "a b");
        assert_eq!(html_to_text("<p>&nbsp;</p><p>x</p>"), "x");
    }

    #[test]
    fn non_content_is_dropped() {
        let html = "<style>p{color:red}</style><p>可见</p>\
                    <script>var a = '<p>隐藏</p>';</script>\
                    <noscript><p>请启用脚本</p></noscript>\
                    <template><p>模板</p></template><!-- 注释 -->\
                    <iframe src=x>框架</iframe>";
        assert_eq!(html_to_text(html), "可见");
    }

    #[test]
    fn whole_document_head_and_title_dropped() {
        let html = "<!DOCTYPE html><html><head><meta charset=utf-8><title>页面标题</title>\
                    <style>body{}</style><script>x()</script></head>\
                    <body><h1>正文标题</h1><p>内容</p></body></html>";
        assert_eq!(html_to_text(html), "正文标题\n\n内容");
    }

    #[test]
    fn nested_blocks() {
        let html = "<div><div><p>一</p><p>二</p></div><div>三</div><div><div>四</div></div></div>";
        assert_eq!(html_to_text(html), "一\n\n二\n\n三\n四");
        assert_eq!(
            html_to_text(
                "<article><header>头</header><section>节</section><footer>尾</footer></article>"
            ),
            "头\n节\n尾"
        );
    }

    #[test]
    fn line_breaks() {
        assert_eq!(
            html_to_text("第一行<br>第二行<br/><br>第三行"),
            "第一行\n第二行\n\n第三行"
        );
        // WeChat's empty spacer paragraphs give at most one blank line.
        assert_eq!(
            html_to_text("<p>甲</p><p><br></p><p><br></p><p>乙</p>"),
            "甲\n\n乙"
        );
        assert_eq!(html_to_text("<p>a <br> b</p>"), "a\nb");
        assert_eq!(html_to_text("a<hr>b"), "a\n\nb");
    }

    #[test]
    fn lists() {
        let html =
            "<ul>\n  <li>甲</li>\n  <li>乙\n    <ol><li>丙</li><li>丁</li></ol>\n  </li>\n</ul>\
                    <dl><dt>术语</dt><dd>解释</dd></dl>";
        assert_eq!(html_to_text(html), "甲\n乙\n丙\n丁\n术语\n解释");
    }

    #[test]
    fn whitespace_collapses_outside_pre() {
        assert_eq!(html_to_text("<p>  a \n\t b  </p>"), "a b");
        assert_eq!(html_to_text("<p><b>加粗</b> <i>斜体</i></p>"), "加粗 斜体");
        assert_eq!(html_to_text("<p>　　全角缩进　文字</p>"), "全角缩进 文字");
        assert_eq!(
            html_to_text("<pre>line1\n    indented  x\n\n\n\nlast</pre><p>after   text</p>"),
            "line1\nindented  x\n\nlast\n\nafter text"
        );
    }

    #[test]
    fn tables() {
        let html = "<table>\n<tr><th>名称</th> <th>值</th></tr>\n\
                    <tr><td>甲</td><td></td><td>1</td></tr></table>";
        assert_eq!(html_to_text(html), "名称\t值\n甲\t1");
    }

    #[test]
    fn wechat_span_soup() {
        let html = r#"<div class="rich_media_content" id="js_content" style="visibility: hidden;">
            <section style="margin: 0px 8px;"><section style="box-sizing: border-box;">
              <p style="text-align: center;"><span style="font-size: 15px;color: rgb(62, 62, 62);">巡</span><span style="color: red;"><strong>检</strong></span><span>工作&nbsp;</span></p>
            </section></section>
            <section><p><br  /></p></section>
            <section style="line-height: 1.75em;"><p><span style="letter-spacing: 1px;">　　第二段&nbsp;&nbsp;文字，</span><span>续写。</span></p></section>
            <p style="text-align: center;"><img data-src="https://mmbiz.qpic.cn/x.png" class="rich_pages wxw-img" alt="图片"></p>
        </div>"#;
        assert_eq!(
            html_to_text(html),
            "巡检工作\n\n第二段 文字，续写。\n\n[图片]"
        );
    }

    #[test]
    fn image_alt_text() {
        assert_eq!(
            html_to_text(
                "<p>看<img src=x.png alt=' 示意  图 '>这里<img src=y.png><img alt=''></p>"
            ),
            "看[示意 图]这里"
        );
    }

    #[test]
    fn ruby_annotations_dropped() {
        assert_eq!(
            html_to_text("<ruby>巡<rp>(</rp><rt>xún</rt><rp>)</rp>检<rt>jiǎn</rt></ruby>"),
            "巡检"
        );
    }

    #[test]
    fn malformed_html_does_not_panic() {
        let html = "<div><p>未闭合<b>粗体<i>斜体</div><table><tr><td>a<td>b</table>\
                    <p>尾 &amp &#xZZ; &#99999999; <<>> </span></section></p></p><!-- open";
        let text = html_to_text(html);
        assert!(text.contains("未闭合粗体斜体"), "{text:?}");
        assert!(text.contains("a\tb"), "{text:?}");
        assert!(text.contains("尾 &"), "{text:?}");
        for junk in [
            "<",
            "<<<",
            "</",
            "<!--",
            "<![CDATA[x",
            "&",
            "<p",
            "<a href='",
            "\u{0}",
            "<svg><title>t</title><text>s</text>",
        ] {
            let _ = html_to_text(junk);
        }
    }

    #[test]
    fn empty_and_plain_input() {
        assert_eq!(html_to_text(""), "");
        assert_eq!(html_to_text("  \n\t "), "");
        assert_eq!(html_to_text("纯文本，没有标签"), "纯文本，没有标签");
        assert_eq!(html_to_text("<!-- 只有注释 -->"), "");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 50_000;
        let html = format!("{}深{}", "<span>".repeat(depth), "</span>".repeat(depth));
        assert_eq!(html_to_text(&html), "深");
    }
}
