import { useId } from 'react';
import type { UseFormRegisterReturn } from 'react-hook-form';
import { useMessages } from '../../provider/SegmentWebhookProvider';

/**
 * The **Send activity payload** checkbox, shared by the setup page and the Settings tab. Pass
 * `register('sendActivityPayload')` of the form it belongs to.
 */
export function SendActivityPayloadField({ registration }: { registration: UseFormRegisterReturn }) {
  const m = useMessages();
  const hintId = useId();
  return (
    <div className="swk-field">
      <label className="swk-choice">
        <input type="checkbox" className="swk-checkbox" aria-describedby={hintId} {...registration} />
        <span className="swk-field__label">{m.sendActivityPayloadLabel}</span>
      </label>
      <p className="swk-field__hint" id={hintId}>
        {m.sendActivityPayloadHint}
      </p>
    </div>
  );
}

/**
 * The **Data ingestion region** radio group (US / EU), shared by the setup page and the Settings tab.
 * Pass `register('region')` of the form it belongs to.
 */
export function RegionFieldset({ registration }: { registration: UseFormRegisterReturn }) {
  const m = useMessages();
  const hintId = useId();
  return (
    <fieldset className="swk-fieldset" aria-describedby={hintId}>
      <legend className="swk-legend">{m.regionLabel}</legend>
      <p className="swk-field__hint" id={hintId}>
        {m.regionHint}
      </p>
      <div className="swk-choice-row">
        <label className="swk-choice">
          <input type="radio" className="swk-radio" value="us" {...registration} />
          {m.regionUs}
        </label>
        <label className="swk-choice">
          <input type="radio" className="swk-radio" value="eu" {...registration} />
          {m.regionEu}
        </label>
      </div>
    </fieldset>
  );
}
