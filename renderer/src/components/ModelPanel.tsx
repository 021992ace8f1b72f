import { useTranslation } from 'react-i18next';
import type { ModelInfo } from '../../../main/contract';
import type { Language } from '../i18n/languages';
import { formatBytes, formatNumber } from '../views/format';
import { StateText } from './Panel';

/** Model info, the execution provider in use and why, compute type, batch size, profiles. */
export function ModelPanelBody({ info, lang, full }: { info: ModelInfo; lang: Language; full?: boolean }) {
  const { t } = useTranslation();
  const e = info.engine;
  const tone = e.state === 'ready' || e.state === 'busy' ? 'ok' : e.state === 'error' || e.state === 'unavailable' ? 'alert' : 'unknown';
  return (
    <>
      <dl className="figures model" data-testid="model-info">
        <div>
          <dt>{t('model.name')}</dt>
          <dd>
            <strong>{info.model.name}</strong> {info.model.demo && <span className="tag">{t('model.demo')}</span>}
          </dd>
        </div>
        <div>
          <dt>{t('model.engine_state')}</dt>
          <dd>
            <StateText tone={tone}>{t(`model.engine_${e.state}`)}</StateText> <span className="muted">{e.message}</span>
          </dd>
        </div>
        <div>
          <dt>{t('model.ep')}</dt>
          <dd data-testid="model-ep">{e.execution_provider ?? t('model.ep_none')}</dd>
        </div>
        {e.execution_provider_reason && (
          <div>
            <dt>{t('model.ep_reason')}</dt>
            <dd>{e.execution_provider_reason}</dd>
          </div>
        )}
        {e.encoder_rewrite && (
          <div>
            <dt>{t('model.encoder_rewrite')}</dt>
            <dd data-testid="model-encoder-rewrite">{e.encoder_rewrite}</dd>
          </div>
        )}
        {e.graph_rewrite && (
          <div>
            <dt>{t('model.graph_rewrite')}</dt>
            <dd data-testid="model-graph-rewrite">{e.graph_rewrite}</dd>
          </div>
        )}
        <div>
          <dt>{t('model.device')}</dt>
          <dd>{info.device}</dd>
        </div>
        <div>
          <dt>{t('model.compute_type')}</dt>
          <dd>{info.compute_type}</dd>
        </div>
        <div>
          <dt>{t('model.batch_size')}</dt>
          <dd>{formatNumber(info.batch_size, lang)}</dd>
        </div>
        <div>
          <dt>{t('model.threads')}</dt>
          <dd>{formatNumber(info.threads, lang)}</dd>
        </div>
        <div>
          <dt>{t('model.beam_size')}</dt>
          <dd>{formatNumber(info.beam_size, lang)}</dd>
        </div>
        <div>
          <dt>{t('model.languages')}</dt>
          <dd>{info.model.multilingual == null ? '–' : info.model.multilingual ? t('model.multilingual') : t('model.english_only')}</dd>
        </div>
        <div>
          <dt>{t('model.variants')}</dt>
          <dd>{info.model.variants.join(', ') || '–'}</dd>
        </div>
        <div>
          <dt>{t('model.profiles')}</dt>
          <dd>
            {info.profiles.map((p) => (
              <span key={p} className={`tag ${p === info.active_profile ? 'active' : ''}`}>
                {p}
              </span>
            ))}
          </dd>
        </div>
      </dl>
      {info.model.problem && <p className="state-error">{t('model.missing', { problem: info.model.problem })}</p>}
      {e.error && <p className="state-error">{t('model.engine_failed', { error: e.error })}</p>}
      {full && (
        <>
          <p className="hint" data-testid="profile-note">
            {t('header.profile_switch_hint')}
          </p>
          {info.model.description && (
            <p>
              <span className="muted">{t('model.description')}:</span> {info.model.description}
            </p>
          )}
          <p className="muted">
            {t('model.path')}: <code>{info.model.path}</code>
          </p>
          <h3>{t('model.files')}</h3>
          <ul className="files">
            {info.model.files.map((f) => (
              <li key={f.path}>
                <code>{f.path}</code> <span className="muted">{formatBytes(f.bytes, lang)}</span>
              </li>
            ))}
          </ul>
          <h3>{t('model.available')}</h3>
          <ul className="files">
            {info.available_models.map((m) => (
              <li key={m.path}>
                {m.name} {m.demo && <span className="tag">{t('model.demo')}</span>} <code className="muted">{m.path}</code>
              </li>
            ))}
          </ul>
          {info.speaker_models && (
            <>
              <h3>{t('model.speaker_models')}</h3>
              <ul className="files" data-testid="speaker-models">
                {info.speaker_models.alignment.map((a) => (
                  <li key={a.language}>
                    {t('model.align_for', { language: a.language })}: {a.found ? t('model.installed') : t('model.not_installed')} <code className="muted">{a.path}</code>
                  </li>
                ))}
                {(['segmentation', 'embedding'] as const).map((k) => (
                  <li key={k}>
                    {t(`model.diarize_${k}`)}: {info.speaker_models.diarization[k].found ? t('model.installed') : t('model.not_installed')}{' '}
                    <code className="muted">{info.speaker_models.diarization[k].path}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </>
  );
}
