//! `youxiang users add/list/passwd/disable/enable`: users, their roles and scopes, and
//! passwords (Argon2id, stored through the store and audited as `user.password`). Every
//! change counts on the next request of every running server and ends the user's sessions.

use std::io::BufRead;

use anyhow::{Context, Result, bail};
use youxiang_app::App;
use youxiang_core::scope::{Reporter, Role, Scope};

#[derive(clap::Subcommand, Debug)]
pub enum UsersCmd {
    /// Add a user, or update an existing one's name, role, unit and scope.
    Add(AddArgs),
    /// List the users with role and scope.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password (read from standard input).
    Passwd(PasswdArgs),
    /// Disable a user: no sign-in, every session ended (their history stays).
    Disable(LoginArgs),
    /// Enable a disabled user again.
    Enable(LoginArgs),
}

#[derive(clap::Args, Debug)]
pub struct LoginArgs {
    pub login: String,
    /// Who does it: a security administrator (三员分立); recorded in the audit trail.
    #[arg(long = "as", default_value = youxiang_app::SECURITY_LOGIN)]
    pub actor: String,
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    pub login: String,
    /// Display name (e.g. 环南街道填报员).
    #[arg(long)]
    pub name: String,
    /// admin, office, department_reporter, town_reporter, village_reporter, viewer,
    /// security_admin, auditor.
    #[arg(long)]
    pub role: String,
    /// The unit the person works for (e.g. 区卫健局).
    #[arg(long, default_value = "")]
    pub unit: String,
    /// A place whose subtree is in scope (repeatable). Required for the reporter roles;
    /// the plan's own place when absent for the others.
    #[arg(long = "place")]
    pub places: Vec<String>,
    /// An indicator in scope (repeatable); every indicator when absent.
    #[arg(long = "indicator")]
    pub indicators: Vec<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Who does it: a security administrator (三员分立); recorded in the audit trail.
    #[arg(long = "as", default_value = youxiang_app::SECURITY_LOGIN)]
    pub actor: String,
}

#[derive(clap::Args, Debug)]
pub struct PasswdArgs {
    pub login: String,
    /// Read the password from the first line of standard input (required: passwords never
    /// go on the command line).
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long = "as", default_value = youxiang_app::SECURITY_LOGIN)]
    pub actor: String,
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("无法从标准输入读取密码")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Refuses unless `actor` is a security administrator (三员分立: users are theirs alone),
/// or — for a password — the user themself.
fn check_actor(app: &App, actor: &str, own_password_of: Option<&str>) -> Result<()> {
    let state = app.read();
    let Some(who) = state.reporter(actor) else {
        bail!("操作人“{actor}”不存在或已停用(用 --as 指定安全管理员)");
    };
    if who.role.can_manage_users() || own_password_of == Some(actor) {
        return Ok(());
    }
    bail!(
        "{}({})无权管理用户:用户、角色、范围和密码由安全管理员管理(--as {})",
        who.name,
        who.role.label_zh(),
        youxiang_app::SECURITY_LOGIN
    )
}

pub fn run(db: &str, cmd: UsersCmd) -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let app = App::open_with_origin(db, Some(crate::origin::cli_origin())).await?;
            match cmd {
                UsersCmd::Add(args) => add(&app, args).await,
                UsersCmd::List { json } => list(&app, json),
                UsersCmd::Passwd(args) => {
                    if !args.password_stdin {
                        bail!("请用 --password-stdin 从标准输入提供密码");
                    }
                    check_actor(&app, &args.actor, Some(&args.login))?;
                    if app.read().reporter(&args.login).is_none() {
                        bail!("用户“{}”不存在", args.login);
                    }
                    let pw = read_password()?;
                    // Set by someone else: its owner chooses their own at the next sign-in.
                    let must_change = args.actor != args.login;
                    app.set_password(&args.login, &pw, must_change, &args.actor)
                        .await?;
                    println!(
                        "已设置 {} 的密码;其已登录的会话均已结束{}",
                        args.login,
                        if must_change {
                            ";下次登录时须先修改密码"
                        } else {
                            ""
                        }
                    );
                    Ok(())
                }
                UsersCmd::Disable(args) => {
                    check_actor(&app, &args.actor, None)?;
                    app.set_disabled(&args.login, true, &args.actor).await?;
                    println!("已停用用户 {};其已登录的会话均已结束", args.login);
                    Ok(())
                }
                UsersCmd::Enable(args) => {
                    check_actor(&app, &args.actor, None)?;
                    app.set_disabled(&args.login, false, &args.actor).await?;
                    println!("已启用用户 {}", args.login);
                    Ok(())
                }
            }
        })
}

async fn add(app: &App, args: AddArgs) -> Result<()> {
    check_actor(app, &args.actor, None)?;
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "角色“{}”无效,应为:{}",
            args.role,
            Role::ALL.map(|r| r.as_str()).join(", ")
        )
    })?;
    let password = if args.password_stdin {
        let pw = read_password()?;
        // Checked before the user is saved, so a weak password saves nothing.
        let weak = youxiang_core::password::weaknesses(&args.login, &pw);
        if !weak.is_empty() {
            bail!("{}", weak.join(";"));
        }
        Some(pw)
    } else {
        None
    };
    let reporter = {
        let state = app.read();
        let mut problems = Vec::new();
        for p in &args.places {
            if state.tree.id(p).is_none() {
                problems.push(format!("地点“{p}”不存在"));
            }
        }
        for i in &args.indicators {
            if state.plan.indicator(i).is_none() {
                problems.push(format!("指标“{i}”不存在"));
            }
        }
        let reporter_role = matches!(
            role,
            Role::DepartmentReporter | Role::TownReporter | Role::VillageReporter
        );
        if args.places.is_empty() && reporter_role {
            // A reporter without a place would report for the whole district.
            problems.push(format!(
                "{}须用 --place 指定负责的地点(可重复)",
                role.label_zh()
            ));
        }
        if args.login.trim().is_empty() || args.login.chars().any(char::is_whitespace) {
            problems.push(format!("登录名“{}”无效(不能为空或含空格)", args.login));
        }
        if !problems.is_empty() {
            bail!("{}", problems.join(";"));
        }
        Reporter {
            login: args.login.clone(),
            name: args.name.clone(),
            unit: args.unit.clone(),
            role,
            scope: Scope {
                places: if args.places.is_empty() {
                    vec![state.plan.place.clone()]
                } else {
                    args.places.clone()
                },
                indicators: args.indicators.clone(),
            },
        }
    };
    app.save_reporters(vec![reporter], &args.actor).await?;
    match password {
        Some(pw) => {
            app.set_password(&args.login, &pw, true, &args.actor)
                .await?;
            println!(
                "已保存用户 {}({}),已设置初始密码(首次登录时须修改)",
                args.login,
                role.label_zh()
            );
        }
        None => println!(
            "已保存用户 {}({});尚未设置密码:youxiang users passwd {} --password-stdin",
            args.login,
            role.label_zh(),
            args.login
        ),
    }
    Ok(())
}

fn list(app: &App, json: bool) -> Result<()> {
    let state = app.read();
    if json {
        println!("{}", serde_json::to_string_pretty(&state.reporters)?);
        return Ok(());
    }
    println!("登录名\t角色\t姓名\t单位\t地点范围\t指标范围");
    for r in &state.reporters {
        let places: Vec<String> = r
            .scope
            .places
            .iter()
            .map(|c| {
                state
                    .tree
                    .by_code(c)
                    .map(|p| format!("{}({c})", p.name))
                    .unwrap_or_else(|| c.clone())
            })
            .collect();
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            r.login,
            r.role.label_zh(),
            r.name,
            r.unit,
            places.join("、"),
            if r.scope.indicators.is_empty() {
                "全部".to_string()
            } else {
                r.scope.indicators.join("、")
            }
        );
    }
    Ok(())
}
